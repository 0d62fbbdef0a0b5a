from enum import StrEnum


class OperatingStatus(StrEnum):
    DEGRADED = "DEGRADED"
    NO_MONITOR = "NO_MONITOR"
    OFFLINE = "OFFLINE"
    ONLINE = "ONLINE"

    def __str__(self) -> str:
        return str(self.value)
