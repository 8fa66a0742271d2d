"""Authoring tools: derive what students receive from the reference in ``solutions/``."""
