"""Importers from other CRMs (DESIGN section 8): Salesforce Data Loader exports and HubSpot
deals from the CRM API, recorded through the one write path (`storage.writer`)."""

from storage.crm.hubspot import read_hubspot
from storage.crm.model import Export
from storage.crm.report import Report
from storage.crm.run import Prepared, check, prepare, write
from storage.crm.salesforce import read_salesforce, sizes
from storage.crm.stages import load_stages
from storage.crm.values import BadFile

__all__ = [
    "BadFile",
    "Export",
    "Prepared",
    "Report",
    "check",
    "load_stages",
    "prepare",
    "read_hubspot",
    "read_salesforce",
    "sizes",
    "write",
]
