"""Referrals between agencies and across borders: the workflow arrives with the referrals issue.

Until then a case reaches another agency only through cases.services.case_share.
"""
