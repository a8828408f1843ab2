"""A project's settings per stage (``project.settings["qualification"]``, ``["review"]``...).

They live with the project, which stores and validates them when the client writes them, and each
later stage reads its own part: the stage depends on the project, never the reverse.
"""
