from enum import StrEnum


class L7CompareType(StrEnum):
    CONTAINS = "CONTAINS"
    ENDS_WITH = "ENDS_WITH"
    EQUAL_TO = "EQUAL_TO"
    STARTS_WITH = "STARTS_WITH"

    def __str__(self) -> str:
        return str(self.value)
