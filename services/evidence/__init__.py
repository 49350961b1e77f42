"""The evidence service (附件): photos, receipts, sign-in sheets, minutes and supervision records attached to records."""
