"""The package's version, in a module of its own: every part reads it without importing the package's
``__init__`` (which offers :class:`~explore.agent.explorer.Explorer`)."""
__version__ = "0.1.0"
