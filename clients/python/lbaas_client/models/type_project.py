from enum import StrEnum


class TypeProject(StrEnum):
    PROJECT = "project"

    def __str__(self) -> str:
        return str(self.value)
