"""The input tables of the quoting guardrails workbook (``workbooks/quotes.xlsx``).

The single source of the schema: the template generator, the validation,
``salesops-xl schema`` and docs/schema.md all come from it. The rules that
use these tables are stated in docs/quotes.md.
"""
from __future__ import annotations

from ..tables import Field, TableSchema

#: The approval rules a quote can trigger (ApprovalRules[Rule]).
RULES = ("Discount", "DealSize", "Margin", "NonStandardTerms", "BelowFloor")
#: What a quote that triggers no rule needs.
NO_APPROVAL = "None (within guardrails)"

QUOTE_SETTINGS = TableSchema(
    name="QuoteSettings",
    sheet="Settings",
    description="The currency deal sizes are compared in (exactly one row).",
    fields=(
        Field("BaseCurrency", "text", "Currency of ApprovalRules[Threshold] for DealSize and of the quotes' "
              "base amounts (ISO code).", example="USD"),
    ),
    min_rows=1,
)

QUOTE_FX = TableSchema(
    name="QuoteFX",
    sheet="Settings",
    description="Exchange rates: units of Currency per one unit of the base currency (the base currency needs "
                "no row).",
    fields=(
        Field("Currency", "text", "Currency (ISO code).", example="EUR"),
        Field("Rate", "number", "Units of Currency per unit of BaseCurrency.", minimum=0, min_exclusive=True,
              example="0.92"),
    ),
    key=("Currency",),
    required=False,
    min_rows=0,
)

PRICE_BOOK = TableSchema(
    name="PriceBook",
    sheet="Price Book",
    description="One row per product and currency: list price, floor price and unit cost, per unit.",
    fields=(
        Field("Product", "id", "Product code.", example="ANL-PRO"),
        Field("Currency", "text", "Currency of the prices on this row (ISO code).", example="USD"),
        Field("ListPrice", "money", "List price per unit.", minimum=0, min_exclusive=True, example="120"),
        Field("FloorPrice", "money", "Lowest net price per unit allowed without a BelowFloor flag.", minimum=0,
              example="80"),
        Field("UnitCost", "money", "Cost per unit, for margin.", minimum=0, example="30"),
        Field("VolumeSchedule", "id", "Volume tier schedule (VolumeTiers[Schedule]); blank: no volume discount.",
              blank=True, example="SEATS"),
        Field("Description", "text", "Free text.", required=False, blank=True, example="Analytics Pro seat"),
    ),
    key=("Product", "Currency"),
)

VOLUME_TIERS = TableSchema(
    name="VolumeTiers",
    sheet="Discounts",
    description="Volume discount schedules: a line whose Quantity is at least MinQty gets Discount on every "
                "unit (the tier with the largest MinQty reached).",
    fields=(
        Field("Schedule", "id", "Id of the schedule (PriceBook[VolumeSchedule]).", example="SEATS"),
        Field("MinQty", "int", "Smallest quantity of the tier.", minimum=1, example="50"),
        Field("Discount", "percent", "Discount off list on every unit of the line.", minimum=0, maximum=1,
              example="15%"),
    ),
    key=("Schedule", "MinQty"),
    required=False,
    min_rows=0,
)

TERM_DISCOUNTS = TableSchema(
    name="TermDiscounts",
    sheet="Discounts",
    description="Term discounts: a quote of at least TermMonths months gets Discount (the row with the largest "
                "TermMonths reached), after the volume discount.",
    fields=(
        Field("TermMonths", "int", "Shortest term of the row, in months.", minimum=1, example="24"),
        Field("Discount", "percent", "Discount after the volume discount.", minimum=0, maximum=1, example="5%"),
    ),
    key=("TermMonths",),
    required=False,
    min_rows=0,
)

APPROVAL_RULES = TableSchema(
    name="ApprovalRules",
    sheet="Approvals",
    description="The approval matrix: each row a condition and who approves a quote meeting it. A quote needs "
                "the approver of the strictest rule it meets: the highest Level; between rows of the same Level, "
                "the first row.",
    fields=(
        Field("Level", "int", "Authority of the approver: 1 the lowest; a higher level overrides a lower one.",
              minimum=1, maximum=99, example="2"),
        Field("Approver", "text", "Who approves (a role or a name).", example="Regional VP"),
        Field("Rule", "choice", "Discount: discretionary discount above Threshold. DealSize: net amount in the "
              "base currency at or above Threshold. Margin: margin below Threshold. NonStandardTerms: the quote "
              "has non-standard terms. BelowFloor: a line is priced below its floor.", choices=RULES,
              example="Discount"),
        Field("Threshold", "number", "Discount and Margin: a fraction (25% = 0.25); DealSize: an amount in the "
              "base currency; NonStandardTerms and BelowFloor: blank.", blank=True, example="0.25"),
        Field("Note", "text", "Free text.", required=False, blank=True),
    ),
)

QUOTES = TableSchema(
    name="Quotes",
    sheet="Quotes",
    description="One row per quote: its customer, currency, term and terms.",
    fields=(
        Field("QuoteID", "id", "Id of the quote.", example="Q-1001"),
        Field("Customer", "text", "Customer name.", blank=True, example="Acme Corp"),
        Field("Currency", "text", "Currency of the quote (a PriceBook currency).", example="USD"),
        Field("TermMonths", "int", "Contract term in months (TermDiscounts).", minimum=1, maximum=120,
              example="12"),
        Field("NonStandardTerms", "text", "The non-standard terms asked for (e.g. Net 90 payment); blank: "
              "standard terms.", blank=True, example="Net 90 payment"),
        Field("Owner", "text", "Rep who owns the quote.", required=False, blank=True, example="R001"),
        Field("DealID", "id", "The deal this quote becomes (Deals[DealID] of the commission workbook).",
              required=False, blank=True, example="D-10001"),
    ),
    key=("QuoteID",),
)

QUOTE_LINES = TableSchema(
    name="QuoteLines",
    sheet="Quote Lines",
    description="One row per quote line: product, quantity and the rep's discretionary discount.",
    fields=(
        Field("QuoteID", "id", "The quote (Quotes[QuoteID]).", example="Q-1001"),
        Field("Product", "id", "The product (PriceBook[Product] in the quote's currency).", example="ANL-PRO"),
        Field("Quantity", "int", "Units.", minimum=1, example="60"),
        Field("Discount", "percent", "Discretionary discount after the volume and term discounts; blank: 0%.",
              blank=True, default=0.0, minimum=0, maximum=1, example="10%"),
    ),
)

INPUT_TABLES: tuple[TableSchema, ...] = (QUOTE_SETTINGS, QUOTE_FX, PRICE_BOOK, VOLUME_TIERS, TERM_DISCOUNTS,
                                         APPROVAL_RULES, QUOTES, QUOTE_LINES)

#: Sheets written by ``recalc``; a recalculation replaces them and nothing else.
OUTPUT_SHEETS = ("Priced Lines", "Quote Approvals", "Quote Run Log")
