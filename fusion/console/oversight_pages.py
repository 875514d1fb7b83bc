"""The console's oversight pages: the audit log and the verification of its chain,
complaints, the transparency figures, and the assessment records with the methods' kill
switch (each module's views read and write through the API)."""

from django.urls import path

from fusion.console import (
    oversight_audit,
    oversight_complaints,
    oversight_records,
    oversight_transparency,
)

urlpatterns = [
    path("oversight/audit/", oversight_audit.audit_log, name="audit"),
    path("oversight/audit/verify/", oversight_audit.audit_verify, name="audit-verify"),
    path("oversight/complaints/", oversight_complaints.complaint_list, name="complaints"),
    path(
        "oversight/complaints/<str:reference>/",
        oversight_complaints.complaint_detail,
        name="complaint",
    ),
    path(
        "oversight/transparency/",
        oversight_transparency.transparency,
        name="transparency",
    ),
    path(
        "oversight/assessments/",
        oversight_records.assessment_records,
        name="oversight-assessments",
    ),
    path(
        "oversight/assessments/<uuid:pk>/",
        oversight_records.assessment_record,
        name="oversight-assessment",
    ),
    path(
        "oversight/models/<str:method>/status/",
        oversight_records.method_status,
        name="method-status",
    ),
]
