"""The sandbox: a local Azure Resource Manager emulator (and blob storage) for the real SDK clients.

azlab's own commands never import this package except `azlab sandbox`,
`--sandbox`, the demo and tests.
"""
