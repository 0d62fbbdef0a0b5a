from enum import StrEnum


class ActionUpdate(StrEnum):
    UPDATE = "update"

    def __str__(self) -> str:
        return str(self.value)
