"""(placeholder: filled by the capability that owns this command module)"""

import click

COMMANDS: list[click.Command] = []
INGEST_COMMANDS: list[click.Command] = []
