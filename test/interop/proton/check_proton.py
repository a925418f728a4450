#!/usr/bin/env python3
"""Prints the Proton version as JSON, or fails if proton cannot be imported."""
import json

import proton

print(json.dumps({"proton": ".".join(str(v) for v in proton.VERSION)}))
