"""Which commands the plugin adds, and what it does for every other command, by name alone.

This is all that plugin.py needs at start-up to register the commands and to decide whether a
command gets anything: it imports nothing else.
"""

from __future__ import annotations

# This plugin's commands: name -> module in poetry_codeartifact.commands (class <Module>Command).
COMMANDS = {
    "codeartifact": "overview",
    "codeartifact add-source": "add_source",
    "codeartifact doctor": "doctor",
    "codeartifact login": "login",
    "codeartifact logout": "logout",
    "codeartifact status": "status",
    "codeartifact token": "token",
}

# What `poetry list` shows of each command, known without importing the command's module (see
# commands.LazyCommand); each command class takes its description from here.
DESCRIPTIONS = {
    "codeartifact": "List the CodeArtifact commands and the installed plugin.",
    "codeartifact add-source": "Add a CodeArtifact repository as a source, and log in.",
    "codeartifact doctor": "Check each CodeArtifact source with AWS, and say how to fix it.",
    "codeartifact login": "Fetch CodeArtifact tokens now and store them.",
    "codeartifact logout": "Remove the stored CodeArtifact tokens of these sources.",
    "codeartifact status": "Show the CodeArtifact sources, identities and token expiry.",
    "codeartifact token": "Print a CodeArtifact token for pip, uv, twine or docker.",
}

# Commands that never read an index nor send a credential: nothing is done for them at all.
OFFLINE = frozenset({
    "about", "help", "list", "config", "check", "new", "init", "run", "shell", "version", "completions",
    "env activate", "env info", "env list", "env remove", "env use", "cache clear", "cache list",
    "source add", "source remove", "source show", "self show", "self show plugins", "debug info",
    "python list", "python install", "python remove", "python find",
})

# Commands whose tokens are made valid before they start (see hook.py).
EAGER = frozenset({
    "install", "sync", "add", "update", "remove", "lock", "publish",
    "self add", "self install", "self lock", "self remove", "self sync", "self update",
})

# Poetry's own COMMAND listeners sit at priority 0; higher runs first.
PRIORITY = 100


def needs_refresh(name: str) -> bool:
    """Whether the command called ``name`` may read an index with a CodeArtifact token (this
    plugin's own commands handle their tokens themselves)."""
    return name not in OFFLINE and name not in COMMANDS and not name.startswith("codeartifact ")


def command_class_name(module: str) -> str:
    """``add_source`` -> ``AddSourceCommand``."""
    return "".join(part.title() for part in module.split("_")) + "Command"
