from enum import StrEnum


class ActionCreate(StrEnum):
    CREATE = "create"

    def __str__(self) -> str:
        return str(self.value)
