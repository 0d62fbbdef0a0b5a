from enum import StrEnum


class NodeStatus(StrEnum):
    ACTIVE = "ACTIVE"
    BUILDING = "BUILDING"
    DELETED = "DELETED"
    DOWN = "DOWN"
    FAILED = "FAILED"
    SUNDOWN = "SUNDOWN"

    def __str__(self) -> str:
        return str(self.value)
