"""What one month of the twin does, from the project's usage numbers, and how a cost line
is written.

Every assumption the estimate makes beyond the usage numbers is a named constant here, so
the estimate can say what it counts (``docs/cost.md`` lists them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dtwin_gui.core.usage import Usage
from dtwin_gui.cost.table import UNIT_SIZE, Price, usd

#: A month is 30 days.
MONTH_DAYS = 30
MINUTES_PER_MONTH = MONTH_DAYS * 24 * 60  # 43,200
HOURS_PER_MONTH = MONTH_DAYS * 24  # 720
#: The clouds bill storage and transfer in binary gigabytes.
GB = 2**30
TIB = 2**40
#: Every function: the memory dtwin deploys it with (256 MB) and an assumed run time.
FUNCTION_MEMORY_GB = 0.25
FUNCTION_SECONDS = 0.1
#: The vCPU share Cloud Run functions give a 256 MiB function.
GOOGLE_FUNCTION_VCPU = 0.167
#: The storage movers run every hour.
MOVER_RUNS_PER_MONTH = HOURS_PER_MONTH
#: Each dashboard user reads the twin once a minute for 8 hours a day.
READS_PER_USER_PER_MONTH = 60 * 8 * MONTH_DAYS  # 14,400
#: Records a hot-storage query returns.
RECORDS_PER_QUERY = 10
#: The inter-cloud JSON envelope around a payload (DESIGN.md §3), in bytes.
ENVELOPE_BYTES = 300
#: Cosmos DB request units per KB written (and per KB deleted) with default indexing, and
#: per KB read by a point read.
COSMOS_WRITE_RU_PER_KB = 5.0
COSMOS_READ_RU_PER_KB = 1.0
#: Messages an IoT Hub S1 unit takes a day, and its meter size.
IOT_HUB_S1_MESSAGES_PER_DAY = 400_000
IOT_HUB_METER_BYTES = 4096
#: IoT Core meters messages per 5 KB, DynamoDB writes per 1 KB and reads per 4 KB.
IOT_CORE_METER_BYTES = 5120
DYNAMODB_WRITE_BYTES = 1024
DYNAMODB_READ_BYTES = 4096
#: Pub/Sub bills at least 1,000 bytes per publish or push request.
PUBSUB_MIN_BYTES = 1000
#: Azure Digital Twins meters operations per 1 KB.
ADT_OPERATION_BYTES = 1024


@dataclass(frozen=True)
class Workload:
    """A month of the twin: messages, bytes, stored gigabytes, reads."""

    usage: Usage
    #: Whether the twin has a twin model (L4) and dashboards (L5): who reads hot storage.
    has_twin_model: bool = True
    has_dashboards: bool = True

    @property
    def messages(self) -> float:
        """Telemetry messages a month: devices × messages/min × 43,200 minutes."""
        u = self.usage
        return u.devices * u.messages_per_device_per_minute * MINUTES_PER_MONTH

    @property
    def payload(self) -> int:
        return self.usage.payload_bytes

    @property
    def gb_per_month(self) -> float:
        """Telemetry ingested a month, in GB (2^30 bytes)."""
        return self.messages * self.payload / GB

    @property
    def gb_per_day(self) -> float:
        return self.gb_per_month / MONTH_DAYS

    @property
    def hot_gb(self) -> float:
        """What hot storage holds once full: ``hot_days`` of telemetry."""
        return self.gb_per_day * self.usage.hot_days

    @property
    def cold_gb(self) -> float:
        """What cold storage holds: records from ``hot_days`` to ``cold_days`` old."""
        return self.gb_per_day * max(self.usage.cold_days - self.usage.hot_days, 0)

    @property
    def archive_gb(self) -> float:
        return self.gb_per_day * self.usage.archive_days

    @property
    def chunks(self) -> float:
        """Objects the movers write a month: one per device per hourly run (fewer when a
        device sends less than once an hour)."""
        return min(self.usage.devices * MOVER_RUNS_PER_MONTH, self.messages)

    @property
    def twin_reads(self) -> float:
        """Reads of hot storage by the twin model (L4) a month."""
        return self.usage.dashboard_users * READS_PER_USER_PER_MONTH if self.has_twin_model else 0

    @property
    def dashboard_reads(self) -> float:
        """Reads of hot storage by the dashboards (L5) a month."""
        return self.usage.dashboard_users * READS_PER_USER_PER_MONTH if self.has_dashboards else 0

    @property
    def hot_reads(self) -> float:
        return self.twin_reads + self.dashboard_reads

    def units_of(self, size: int) -> int:
        """How many ``size``-byte meter units one payload takes (at least one)."""
        return max(1, math.ceil(self.payload / size))

    def describe(self) -> str:
        """One sentence: what the estimate is based on."""
        u = self.usage
        rate = f"{u.messages_per_device_per_minute:g}"
        return (
            f"{u.devices:,} device(s) × {rate} message(s)/min × {u.payload_bytes:,} B = "
            f"{quantity(self.messages)} messages, {quantity(self.gb_per_month)} GB a month; "
            f"hot {u.hot_days} d, cold to {u.cold_days} d, archive {u.archive_days} d; "
            f"{u.dashboard_users} dashboard user(s), {u.twin_entities:,} twin entities"
        )


def quantity(value: float) -> str:
    """``4.32 M``-free number text: ``1,234``, ``12.3``, ``0.0412``."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class CostLine:
    """One priced quantity: ``quantity`` of what ``price`` meters (messages, GB-months...),
    ``detail`` saying which functions or objects it counts."""

    price: Price
    quantity: float
    detail: str = ""

    @property
    def usd(self) -> float:
        return self.quantity / UNIT_SIZE.get(self.price.unit, 1) * self.price.price

    def counted(self) -> str:
        """``4.32 M messages``, ``12.3 GB-months``, ``3 entities``."""
        p = self.price
        if p.unit == "M":
            amount = f"{quantity(self.quantity / 1e6)} M"
        else:
            amount = quantity(self.quantity)
        detail = f" ({self.detail})" if self.detail else ""
        return f"{amount} {p.counts}{detail}"

    def text(self) -> str:
        """``IoT Core: 4.32 M messages × $1.00/M = $4.32``."""
        return f"{self.price.service}: {self.counted()} × {self.price.text()} = {usd(self.usd)}"

    def to_json(self) -> dict:
        return {
            "text": self.text(),
            "price_key": self.price.key,
            "quantity": self.quantity,
            "unit": self.price.unit,
            "unit_price_usd": self.price.price,
            "usd": self.usd,
            "confirmed_price": self.price.confirmed,
        }
