"""Benchmark scripts (run from a checkout): they print numbers, they are not tests."""
