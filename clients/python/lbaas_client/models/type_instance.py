from enum import StrEnum


class TypeInstance(StrEnum):
    INSTANCE = "instance"

    def __str__(self) -> str:
        return str(self.value)
