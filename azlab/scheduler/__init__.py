"""The hosted scheduler in Azure: `azlab scheduler deploy`, `status` and `remove`.

Deploys power's hosted tick (runbooks/) as a Function App (or an Automation account) with
least privilege: a custom role on the plan's resource group, the batch power role on the
subscription, data roles on the scheduler's own storage account.
"""

from azlab.scheduler.deploy import DeployOptions, DeployReport, Preview, deploy, preview, remove

__all__ = ["DeployOptions", "DeployReport", "Preview", "deploy", "preview", "remove"]
