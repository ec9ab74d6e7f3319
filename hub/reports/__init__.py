"""Reports for funders: usage figures by month, territory, kiosk and topic."""
