"""The facade's resource namespaces, one module each; `Client` and `AsyncClient` expose them as attributes."""
