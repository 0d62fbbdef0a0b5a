from enum import StrEnum


class L7RuleType(StrEnum):
    COOKIE = "COOKIE"
    HEADER = "HEADER"
    HOST_NAME = "HOST_NAME"
    PATH = "PATH"

    def __str__(self) -> str:
        return str(self.value)
