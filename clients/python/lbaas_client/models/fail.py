from enum import StrEnum


class Fail(StrEnum):
    FAIL = "fail"

    def __str__(self) -> str:
        return str(self.value)
