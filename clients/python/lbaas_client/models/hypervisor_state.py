from enum import StrEnum


class HypervisorState(StrEnum):
    DISABLED = "DISABLED"
    DRAINING = "DRAINING"
    ENABLED = "ENABLED"

    def __str__(self) -> str:
        return str(self.value)
