"""Static memory planning: where every tensor lives during a run."""
from .plan import Plan, plan_memory

__all__ = ["Plan", "plan_memory"]
