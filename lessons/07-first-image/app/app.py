"""A tiny program for your first image: it greets you and says where it is running."""

import os
import platform
import socket

greeting = os.environ.get("GREETING", "Hello")
who = os.environ.get("WHO", "stranger")

print(f"{greeting}, {who}!")
print(f"This is Python {platform.python_version()} on {platform.system()},")
print(f"inside a machine called {socket.gethostname()} (the container's id),")
print(f"working in {os.getcwd()}.")
