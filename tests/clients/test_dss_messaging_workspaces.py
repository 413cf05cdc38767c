"""dataikuapi.DSSClient, unchanged, against the mock: messaging channels and workspaces.

specs/dataiku-dss/messaging-workspaces.yaml (operations from the client, not in the document).
"""

from __future__ import annotations

import json

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.dss.messaging_channel import DSSMailMessagingChannel, DSSMessagingChannel
from dataikuapi.dss.workspace import DSSWorkspaceHtmlLinkObject, DSSWorkspacePermissionItem
from dataikuapi.utils import DataikuException

from .conftest import DSS_API_KEY

# ---------------------------------------------------------------- messaging channels


def test_list_messaging_channels(dss: DSSClient) -> None:
    items = dss.list_messaging_channels()
    assert [(c.id, c.type, c.family) for c in items] == [("mail-corp", "smtp", "mail"),
                                                         ("slack-data-team", "slack", None)]
    objects = dss.list_messaging_channels(as_type="objects")
    assert isinstance(objects[0], DSSMailMessagingChannel) and objects[0].sender == "dss@example.com"
    assert type(objects[1]) is DSSMessagingChannel
    assert isinstance(items[0].get_as_messaging_channel(), DSSMailMessagingChannel)


def test_list_messaging_channels_by_family_and_type(dss: DSSClient) -> None:
    # the client builds the query string by hand: ?channelType=smtp&channelFamily=mail
    assert [c.id for c in dss.list_messaging_channels(channel_family="mail")] == ["mail-corp"]
    assert [c.id for c in dss.list_messaging_channels(channel_type="smtp", channel_family="mail")] == ["mail-corp"]


def test_unknown_channel_type_filter_is_a_400(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match=r"IllegalArgumentException.*channelType"):
        dss.list_messaging_channels(channel_type="carrier-pigeon")


def test_get_messaging_channel_maps_the_family(dss: DSSClient) -> None:
    mail = dss.get_messaging_channel("mail-corp")
    assert isinstance(mail, DSSMailMessagingChannel)
    assert (mail.sender, mail.use_current_user_as_sender) == ("dss@example.com", False)
    slack = dss.get_messaging_channel("slack-data-team")
    assert type(slack) is DSSMessagingChannel and slack.type == "slack"


def test_create_messaging_channel_through_the_creator(dss: DSSClient) -> None:
    creator = dss.new_messaging_channel("slack")
    creator.with_id("slack-deploy-alerts")
    creator.with_webhook_url("https://hooks.slack.com/services/T0001/B0002/Xk3Lm9Qr")
    creator.with_permissions(["data_scientists"], [])
    channel = creator.create()
    assert (channel.id, channel.type) == ("slack-deploy-alerts", "slack")


def test_channel_settings_and_permissions(dss: DSSClient) -> None:
    channel = dss.get_messaging_channel("mail-corp")
    settings = channel.get_settings()
    assert settings.get_raw()["host"] == "smtp.example.com"
    settings.get_raw()["sender"] = "dss-noreply@example.com"
    settings.save()
    permissions = channel.get_permissions()
    assert {"group": "data_scientists", "canUse": True} in permissions
    permissions.append({"group": "analysts", "canUse": True})
    channel.set_permissions(permissions)
    channel.delete()


def test_send_mail_posts_the_payload_and_attachments_as_multipart(dss: DSSClient) -> None:
    channel = dss.get_messaging_channel("mail-corp")
    assert isinstance(channel, DSSMailMessagingChannel)
    channel.send("CHURN", ["retention@example.com"], "Weekly churn report",
                 "<html><body>142 customers at risk this week.</body></html>",
                 attachments=[["at_risk.csv", b"customer_id,churn_probability\n10482,0.91\n", "text/csv"]])
    channel.send("CHURN", ["retention@example.com", "cfo@example.com"], "Churn", "Plain text", plain_text=True,
                 send_as_single_message=True)


def test_send_without_a_project_or_message_part_is_a_400(dss_url: str) -> None:
    url = f"{dss_url}/dip/publicapi/messaging-channels/mail-corp/actions/send"
    payload = {"to": ["retention@example.com"], "subject": "s", "body": "b"}
    no_project = requests.post(url, auth=(DSS_API_KEY, ""), timeout=10,
                               files={"message": ("send-payload.json", json.dumps(payload), "application/json")})
    assert no_project.status_code == 400 and "projectKey" in no_project.json()["message"]
    no_message = requests.post(url, params={"projectKey": "CHURN"}, auth=(DSS_API_KEY, ""), timeout=10,
                               files={"attachments": ("a.csv", b"x", "text/csv")})
    assert no_message.status_code == 400 and "message" in no_message.json()["message"]


def test_messaging_channel_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    dss = dss_stateful
    creator = dss.new_messaging_channel("smtp")
    creator.with_id("mail-backup")
    creator.with_sender("dss-backup@example.com")
    creator.with_host("smtp-backup.example.com")
    creator.with_port(587)
    channel = creator.create()
    assert channel.id == "mail-backup"
    assert dss.get_messaging_channel("mail-backup").type == "smtp"
    assert "mail-backup" in [c.id for c in dss.list_messaging_channels()]
    settings = channel.get_settings()
    settings.get_raw()["port"] = 2525
    settings.save()
    assert channel.get_settings().get_raw()["port"] == 2525
    channel.set_permissions([{"group": "analysts", "canUse": True}])
    assert channel.get_permissions() == [{"group": "analysts", "canUse": True}]
    channel.delete()
    assert "mail-backup" not in [c.id for c in dss.list_messaging_channels()]
    with pytest.raises(DataikuException, match="NotFoundException"):
        dss.get_messaging_channel("mail-backup")


# ---------------------------------------------------------------- workspaces


def test_list_and_read_workspaces(dss: DSSClient) -> None:
    assert [w["workspaceKey"] for w in dss.list_workspaces()] == ["CHURN_TEAM"]
    handles = dss.list_workspaces(as_objects=True)
    settings = handles[0].get_settings()
    assert (settings.display_name, settings.color) == ("Churn team", "#31439c")
    assert settings.permissions is not None and settings.permissions[0]["group"] == "data_scientists"


def test_create_save_and_delete_a_workspace(dss: DSSClient) -> None:
    workspace = dss.create_workspace("RETENTION_Q3", "Retention campaign Q3",
                                     permissions=[DSSWorkspacePermissionItem.contributor_group("marketing_analysts")],
                                     description="Datasets and dashboards of the Q3 campaign", color="#f44336")
    assert workspace.workspace_key == "RETENTION_Q3"
    settings = dss.get_workspace("CHURN_TEAM").get_settings()
    settings.display_name = "Churn and retention team"
    settings.save()
    workspace.delete()


def test_workspace_objects(dss: DSSClient, project: object) -> None:
    workspace = dss.get_workspace("CHURN_TEAM")
    objects = workspace.list_objects()
    assert [o.get_raw()["id"] for o in objects] == ["k2Rm8Qx1", "Pw5nZt3c", "Lx9bVs4e"]
    assert objects[0].get_raw()["reference"] == {"projectKey": "CHURN", "type": "DATASET", "id": "customers",
                                                 "workspaceKey": "CHURN_TEAM"}
    workspace.add_object(dss.get_project("CHURN").get_dataset("customers"))
    workspace.add_object(DSSWorkspaceHtmlLinkObject("Retention playbook", "https://intranet.example.com/retention",
                                                    "How we call customers at risk"))
    workspace.add_object({"appId": "churn-explorer"})
    objects[2].remove()


def test_workspace_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    dss = dss_stateful
    workspace = dss.create_workspace("FINANCE", "Finance", description="Revenue at risk",
                                     permissions=[DSSWorkspacePermissionItem.member_group("analysts")])
    assert "FINANCE" in [w["workspaceKey"] for w in dss.list_workspaces()]
    settings = workspace.get_settings()
    assert (settings.display_name, settings.description) == ("Finance", "Revenue at risk")
    settings.color = "#2e7d32"
    settings.save()
    assert workspace.get_settings().color == "#2e7d32"
    workspace.add_object(dss.get_project("CHURN").get_dataset("customers"))
    added = workspace.list_objects()
    assert [o.get_raw()["reference"]["id"] for o in added] == ["customers"]
    added[0].remove()
    assert workspace.list_objects() == []
    workspace.delete()
    assert "FINANCE" not in [w["workspaceKey"] for w in dss.list_workspaces()]
    with pytest.raises(DataikuException, match="NotFoundException"):
        workspace.get_settings()
