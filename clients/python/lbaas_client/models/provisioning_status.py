from enum import StrEnum


class ProvisioningStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ERROR = "ERROR"
    PENDING_CREATE = "PENDING_CREATE"
    PENDING_DELETE = "PENDING_DELETE"
    PENDING_UPDATE = "PENDING_UPDATE"

    def __str__(self) -> str:
        return str(self.value)
