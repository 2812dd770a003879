"""The edge: implementations of the ports that do I/O (database, HTTP, notifications, ...).

Each subpackage is imported on its own; importing ``loanfactory.adapters`` pulls in nothing.
"""
