from enum import StrEnum


class Algorithm(StrEnum):
    LEAST_CONNECTIONS = "LEAST_CONNECTIONS"
    LEAST_LATENCY = "LEAST_LATENCY"
    ROUND_ROBIN = "ROUND_ROBIN"
    WEIGHTED_ROUND_ROBIN = "WEIGHTED_ROUND_ROBIN"

    def __str__(self) -> str:
        return str(self.value)
