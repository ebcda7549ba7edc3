"""Static memory planning: where every tensor lives during a run."""
from .plan import Plan, plan_memory
from .subgraph import Subgraph

__all__ = ["Plan", "Subgraph", "plan_memory"]
