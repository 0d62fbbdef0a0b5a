from enum import StrEnum


class Protocol(StrEnum):
    HTTP = "HTTP"
    TCP = "TCP"

    def __str__(self) -> str:
        return str(self.value)
