from enum import StrEnum


class ActionDelete(StrEnum):
    DELETE = "delete"

    def __str__(self) -> str:
        return str(self.value)
