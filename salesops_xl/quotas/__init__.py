"""Quotas and capacity planning: allocate targets top-down, phase them, ramp new hires, plan headcount."""
