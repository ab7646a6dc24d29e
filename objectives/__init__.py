"""How a configuration is measured: tasks, generators, the RTL toolchain, metrics, the cache."""

from objectives import scratch  # noqa: F401, E402  (the temporary folder, before anything uses it)
