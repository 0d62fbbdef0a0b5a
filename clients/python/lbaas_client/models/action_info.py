from enum import StrEnum


class ActionInfo(StrEnum):
    INFO = "info"

    def __str__(self) -> str:
        return str(self.value)
