"""Excel custom functions of the territory workbook: xlwings decorators around
:mod:`salesops_xl.territories.cells` (discovered by salesops_xl.addin.functions)."""
from __future__ import annotations

from xlwings import arg, func

from ..cells import unwrap
from ..territories import cells

CATEGORY = "salesops-xl"

__all__ = ["sxl_distance", "sxl_territory_balance", "sxl_max_deviation", "sxl_compactness", "sxl_jain",
           "sxl_route_lead"]




@func(category=CATEGORY)
@arg("lat1", ndim=2, err_to_str=True, doc="Latitude of the first point(s), degrees")
@arg("lon1", ndim=2, err_to_str=True, doc="Longitude of the first point(s)")
@arg("lat2", ndim=2, err_to_str=True, doc="Latitude of the second point(s)")
@arg("lon2", ndim=2, err_to_str=True, doc="Longitude of the second point(s)")
def sxl_distance(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points (ranges spill)."""
    return cells.distance_km(unwrap(lat1), unwrap(lon1), unwrap(lat2), unwrap(lon2))


@func(category=CATEGORY)
@arg("owners", ndim=2, err_to_str=True, doc="Owner (RepID) of each unit, e.g. Alignment[NewOwner]")
@arg("values", ndim=2, err_to_str=True, doc="The measure of each unit, e.g. Alignment[Potential]")
@arg("reps", ndim=2, err_to_str=True, doc="Optional: the territories (RepIDs) in order")
@arg("capacities", ndim=2, err_to_str=True, doc="Optional: capacity of each rep (targets are proportional to it)")
def sxl_territory_balance(owners, values, reps=None, capacities=None):
    """Spills Territory, Total, Target, Deviation for every territory."""
    return cells.territory_balance(owners, values, reps, capacities)


@func(category=CATEGORY)
@arg("owners", ndim=2, err_to_str=True, doc="Owner (RepID) of each unit")
@arg("values", ndim=2, err_to_str=True, doc="The measure of each unit")
@arg("reps", ndim=2, err_to_str=True, doc="Optional: the territories (RepIDs)")
@arg("capacities", ndim=2, err_to_str=True, doc="Optional: capacity of each rep")
def sxl_max_deviation(owners, values, reps=None, capacities=None):
    """Largest |deviation| of a territory from its target."""
    return cells.max_deviation(owners, values, reps, capacities)


@func(category=CATEGORY)
@arg("owners", ndim=2, err_to_str=True, doc="Owner (RepID) of each unit")
@arg("lat", ndim=2, err_to_str=True, doc="Latitude of each unit")
@arg("lon", ndim=2, err_to_str=True, doc="Longitude of each unit")
@arg("weights", ndim=2, err_to_str=True, doc="Workload of each unit (blank: 1)")
@arg("reps", ndim=2, err_to_str=True, doc="RepIDs")
@arg("rep_lat", ndim=2, err_to_str=True, doc="Home latitude of each rep")
@arg("rep_lon", ndim=2, err_to_str=True, doc="Home longitude of each rep")
def sxl_compactness(owners, lat, lon, weights, reps, rep_lat, rep_lon):
    """Workload-weighted mean distance (km) of units to their rep's home."""
    return cells.compactness(owners, lat, lon, weights, reps, rep_lat, rep_lon)


@func(category=CATEGORY)
@arg("values", ndim=2, err_to_str=True, doc="Loads (leads per rep...)")
@arg("weights", ndim=2, err_to_str=True, doc="Optional: target weights (same size)")
def sxl_jain(values, weights=None):
    """Jain's fairness index of values / weights (1 = perfectly fair)."""
    return cells.jain(values, weights)


@func(category=CATEGORY)
@arg("lead", ndim=2, err_to_str=True, doc="Header row and one row of the lead (LeadID, CreatedDate, AccountID, Domain, ...)")
@arg("reps", ndim=2, err_to_str=True, doc="LeadReps[#All]")
@arg("owners", ndim=2, err_to_str=True, doc="Optional: AccountOwners[#All]")
@arg("named", ndim=2, err_to_str=True, doc="Optional: NamedAccounts[#All]")
@arg("rules", ndim=2, err_to_str=True, doc="Optional: RoutingRules[#All]")
@arg("state", ndim=2, err_to_str=True, doc="Optional: RoundRobinState[#All]")
@arg("out_of_office", ndim=2, err_to_str=True, doc="Optional: OutOfOffice[#All]")
@arg("settings", ndim=2, err_to_str=True, doc="Optional: LeadSettings[#All]")
def sxl_route_lead(lead, reps, owners=None, named=None, rules=None, state=None, out_of_office=None, settings=None):
    """Who gets this lead, by which rule, and why: spills AssignedTo, Rule, Detail."""
    return cells.route_lead(lead, reps, owners, named, rules, state, out_of_office, settings)
