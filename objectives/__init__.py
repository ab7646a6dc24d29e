"""How a configuration is measured: tasks, generators, the RTL toolchain, metrics, the cache."""
