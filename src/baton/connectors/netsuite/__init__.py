"""Oracle NetSuite (SuiteTalk REST record API + SuiteQL): an ERP target for approved time."""
