"""Graph passes. Each takes a graph and returns whether it changed."""
