"""HubSpot CRM (deals, companies, line items; webhooks v3): a CRM source."""
