from enum import StrEnum


class Successful(StrEnum):
    SUCCESSFUL = "successful"

    def __str__(self) -> str:
        return str(self.value)
