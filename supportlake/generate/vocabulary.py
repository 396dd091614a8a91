"""Words the ticket generator writes: products, phrase pools per category and priority, noise.

Phrases carry their own trailing space or punctuation so that pieces join without a separator.
Categories share generic phrases and borrow from confusable neighbours (tickets.py decides how
often), so the labels are learnable from text but not trivially.
"""

from __future__ import annotations

CATEGORIES = (
    "Technical",
    "Billing",
    "Account",
    "Bug Report",
    "Feature Request",
    "Integration",
    "Security",
    "General Inquiry",
)
PRIORITIES = ("Urgent", "High", "Medium", "Low")
CHANNELS = ("Email", "Chat", "Phone", "Web Form", "Social")
QUEUES = ("General", "Technical", "Billing", "Enterprise")
STATUSES = ("Open", "Pending", "Resolved", "Closed")

# Product line -> the features a customer names when something breaks or is missing.
PRODUCT_FEATURES = {
    "Ledgerly": (
        "the invoice editor",
        "recurring invoices",
        "the expense import",
        "bank reconciliation",
        "the VAT report",
        "payment reminders",
        "the client portal",
        "the quote builder",
    ),
    "Helix CRM": (
        "the pipeline board",
        "contact import",
        "the deal forecast",
        "email sequences",
        "the lead scoring view",
        "custom fields",
        "the activity timeline",
        "the mobile contacts list",
    ),
    "Nimbus Drive": (
        "file sync",
        "shared folders",
        "the desktop client",
        "large uploads",
        "version history",
        "public share links",
        "the trash folder",
        "team drives",
    ),
    "Pulse Analytics": (
        "the dashboards",
        "scheduled reports",
        "the SQL editor",
        "CSV exports",
        "the chart builder",
        "data refreshes",
        "the embed widget",
        "the KPI alerts",
    ),
    "Beacon Mobile": (
        "the iOS app",
        "the Android app",
        "push notifications",
        "offline mode",
        "the barcode scanner",
        "the map view",
        "photo uploads",
        "the route planner",
    ),
}
PRODUCT_LINES = tuple(PRODUCT_FEATURES)

# What billing tickets are about (a plan) and what account and security tickets are about (a
# workspace), instead of a product feature.
PLAN_TEMPLATES = (
    "our {product} Business plan",
    "the {product} Starter subscription",
    "our {product} account",
    "the {product} Enterprise contract",
    "our {product} seats",
)
WORKSPACE_TEMPLATES = (
    "our {product} account",
    "the {product} admin console",
    "our team workspace in {product}",
    "the {product} web app",
    "our company's {product} login",
)

# Category -> sentence heads that end where a product feature or plan follows.
MESSAGE_HEADS = {
    "Technical": (
        "The app keeps crashing when I open ",
        "I get a 500 error every time I use ",
        "Everything is extremely slow in ",
        "Nothing loads in ",
        "We see timeouts when loading ",
        "I can't save any changes in ",
        "Sync stopped working for ",
        "There is only a blank screen instead of ",
        "The page freezes as soon as I use ",
        'We get "Something went wrong" in ',
        "The service seems to be down for ",
        "Login works but then it hangs on ",
    ),
    "Billing": (
        "We were charged twice for ",
        "The invoice total looks wrong for ",
        "I would like a refund for ",
        "Our card was declined when renewing ",
        "There is an unexpected charge on ",
        "I need a copy of last month's invoice for ",
        "Please update the billing address on ",
        "We want to downgrade ",
        "How do I switch to annual billing for ",
        "The VAT number is missing on the invoice for ",
        "We were billed for more seats than we have on ",
        "Please cancel the renewal of ",
    ),
    "Account": (
        "I can't reset my password for ",
        "Please add two new users to ",
        "I lost my 2FA device and can't log in to ",
        "How do I change the account owner of ",
        "A colleague left, please remove her from ",
        "I need admin rights on ",
        "My email change is not applied in ",
        "Please unlock my user in ",
        "How can I rename ",
        "I can't log in to ",
    ),
    "Bug Report": (
        "The totals are calculated wrong in ",
        "The Save button does nothing in ",
        "Dates show in the wrong timezone in ",
        "Sorting is broken in ",
        "The layout overlaps on small screens in ",
        "Filters reset themselves in ",
        "Duplicate entries appear in ",
        "Special characters like é and ü are garbled in ",
        "The counter shows a negative number in ",
        "Clicking twice creates two records in ",
        "Tooltips cover the buttons in ",
    ),
    "Feature Request": (
        "It would be great to have dark mode in ",
        "Could you add bulk editing to ",
        "Please allow custom templates in ",
        "We would love keyboard shortcuts in ",
        "Can you add an export to Excel for ",
        "We need more granular permissions in ",
        "Please consider an audit trail for ",
        "It would help a lot to have a search filter in ",
        "Any plans to support multiple currencies in ",
        "Could you make it possible to schedule ",
    ),
    "Integration": (
        "Our Slack integration stopped posting from ",
        "The webhook is not firing for ",
        "The REST API returns 401 for ",
        "The Zapier connection fails for ",
        "SSO through Okta does not work with ",
        "The Salesforce sync skips records in ",
        "We hit the API rate limit constantly when syncing ",
        "The Google Workspace import fails for ",
        "The Microsoft Teams app cannot connect to ",
        "Our data warehouse export stopped for ",
    ),
    "Security": (
        "We noticed logins from an unknown country on ",
        "I received a phishing email pretending to be from ",
        "I think someone else has access to ",
        "We need your SOC 2 report for ",
        "Please confirm whether our data was affected in ",
        "An ex-employee can still log in to ",
        "We found API keys we did not create in ",
        "We need a GDPR data export for ",
        "Someone changed the 2FA settings of ",
        "Our security team flagged unusual downloads from ",
    ),
    "General Inquiry": (
        "I have a question about ",
        "Where can I find documentation for ",
        "Is there a training session for ",
        "How does pricing work for ",
        "Can you explain how to use ",
        "What is the difference between the plans for ",
        "Do you have a guide for getting started with ",
        "Who should I talk to about ",
        "Is there a webinar about ",
    ),
}

# Category -> short subject lines.
SUBJECT_HEADS = {
    "Technical": (
        "App crashing",
        "Error 500",
        "Very slow performance",
        "Sync not working",
        "Page won't load",
        "Cannot save changes",
        "Service down?",
        "Timeouts",
    ),
    "Billing": (
        "Double charge",
        "Wrong invoice amount",
        "Refund request",
        "Card declined",
        "Question about my invoice",
        "Billing address change",
        "Unexpected charge",
        "Cancel renewal",
    ),
    "Account": (
        "Password reset not working",
        "Add users",
        "Lost 2FA device",
        "Change account owner",
        "Remove user",
        "Locked out",
        "Admin rights",
        "Can't log in",
    ),
    "Bug Report": (
        "Wrong totals",
        "Save button broken",
        "Timezone bug",
        "Sorting broken",
        "Display glitch",
        "Duplicate entries",
        "Bug",
        "Weird behaviour",
    ),
    "Feature Request": (
        "Feature request: dark mode",
        "Bulk editing",
        "Custom templates please",
        "Suggestion",
        "Idea for improvement",
        "Excel export",
        "Feature request",
        "Would be nice to have",
    ),
    "Integration": (
        "Slack integration broken",
        "Webhook not firing",
        "API 401 errors",
        "SSO issue",
        "Salesforce sync",
        "Zapier failing",
        "API rate limit",
        "Integration problem",
    ),
    "Security": (
        "Suspicious login",
        "Phishing email",
        "Possible account compromise",
        "SOC 2 report request",
        "GDPR request",
        "Unknown API keys",
        "Security concern",
        "Unauthorized access?",
    ),
    "General Inquiry": (
        "Question",
        "Documentation",
        "Training",
        "Pricing question",
        "How to",
        "Getting started",
        "Quick question",
        "Information request",
    ),
}
# Subjects that say nothing about the category: any ticket may get one.
GENERIC_SUBJECTS = (
    "Help",
    "Issue",
    "Problem",
    "Support request",
    "Need help",
    "Ticket",
    "Hello",
    "Request",
)

# Category -> follow-up sentences; SHARED_DETAILS fit any category.
DETAILS = {
    "Technical": (
        "I already cleared the cache and tried another browser. ",
        "It started after yesterday's update. ",
        "Error code E-1023 shows up in the console. ",
        "Restarting does not help. ",
        "It happens on both Windows and Mac. ",
        "Our whole office has the same problem. ",
    ),
    "Billing": (
        "The charge appeared on this month's statement. ",
        "Our finance team needs this for the month-end close. ",
        "I attached the bank statement. ",
        "We are on the annual plan. ",
        "The amount is about twice what we usually pay. ",
        "Please send the corrected invoice to our accounts payable address. ",
    ),
    "Account": (
        "I no longer have access to the old phone number. ",
        "I'm the only admin on the workspace. ",
        "The reset email never arrives, not even in spam. ",
        "We are reorganising our teams this month. ",
        "My manager approved the change. ",
    ),
    "Bug Report": (
        "Steps to reproduce: open it, change a value, press save. ",
        "It happens every time, so it should be easy to reproduce. ",
        "It worked fine last week. ",
        "The numbers in the export are correct, only the screen is wrong. ",
        "Tested in Chrome and Firefox, same result. ",
    ),
    "Feature Request": (
        "Other tools we use already do this. ",
        "This would save our team hours every week. ",
        "Happy to join a beta if you build it. ",
        "Right now we use a spreadsheet as a workaround. ",
        "Several of my colleagues asked for this too. ",
    ),
    "Integration": (
        "The API key was regenerated last week. ",
        "Our webhook endpoint returns 200 when we test it ourselves. ",
        "The logs show HTTP 429 responses. ",
        "It worked until the token expired. ",
        "Nothing changed on our side of the connection. ",
    ),
    "Security": (
        "We have already reset all passwords as a precaution. ",
        "Our compliance team is asking for this. ",
        "The login came from an IP address we don't recognise. ",
        "We need this for our audit next month. ",
        "Please treat this confidentially. ",
    ),
    "General Inquiry": (
        "I could not find it in the help center. ",
        "We are evaluating the product for our team. ",
        "Just want to make sure we use it correctly. ",
        "A short call would also be fine. ",
        "We are new customers. ",
    ),
}
SHARED_DETAILS = (
    "Please let me know if you need more details. ",
    "Screenshot attached. ",
    "It happens every time. ",
    "I already checked the help center. ",
    "This started yesterday. ",
    "Can someone look into it? ",
    "Same as my previous ticket. ",
    "",
)

# Priority -> sentences that signal how urgent the customer thinks it is.
URGENCY_CUES = {
    "Urgent": (
        "This is blocking our whole team right now. ",
        "Production is down and we are losing sales. ",
        "Please treat this as an emergency. ",
        "We cannot work at all until this is fixed. ",
        "ASAP please, our customers are affected. ",
        "This is critical for us. ",
    ),
    "High": (
        "This affects several users, please look at it today. ",
        "We need this fixed soon, it's slowing us down. ",
        "Could you prioritise this? ",
        "It's hurting our daily work. ",
        "A quick answer would be appreciated. ",
    ),
    "Medium": (
        "We have a workaround for now. ",
        "It's annoying but not blocking. ",
        "Would appreciate a fix this week. ",
        "Let me know when you have an update. ",
    ),
    "Low": (
        "No rush on this. ",
        "Whenever you have time. ",
        "Just wanted to let you know. ",
        "Not urgent at all. ",
        "Only a minor thing. ",
    ),
}
SUBJECT_PREFIXES = {
    "Urgent": ("URGENT: ", "[P1] ", "Critical: ", "!!! ", "Urgent - "),
    "High": ("Important: ", "High priority: ", "Please help: "),
    "Medium": ("Re: ", "Fwd: "),
    "Low": ("Question: ", "Small thing: ", "FYI: "),
}

# Chat and social messages skip the greeting more often and end more curtly.
GREETINGS = (
    "Hi team,\n",
    "Hello,\n\n",
    "Hi there! ",
    "Good morning. ",
    "Dear support team,\n",
    "Hey! ",
    "Hello support, ",
)
CLOSINGS = (
    "Thanks!",
    "Thank you,\nAnna",
    "Best regards,\nMark Jensen",
    "Cheers",
    "Kind regards,\nPriya",
    "Thanks in advance.",
    "Regards,\nZoë Müller",
    "Thanks, José",
    "Best,\nŁukasz",
)
CHAT_CLOSINGS = ("thx", "ty", "thanks", "?", "pls help", "")

# Category -> the categories its customers most often sound like.
CONFUSABLE = {
    "Technical": ("Bug Report", "Integration"),
    "Billing": ("Account", "General Inquiry"),
    "Account": ("Security", "Billing"),
    "Bug Report": ("Technical",),
    "Feature Request": ("General Inquiry", "Bug Report"),
    "Integration": ("Technical",),
    "Security": ("Account",),
    "General Inquiry": ("Feature Request", "Billing"),
}
# What each category's tickets name after the sentence head.
OBJECT_KIND = {
    "Technical": "feature",
    "Billing": "plan",
    "Account": "workspace",
    "Bug Report": "feature",
    "Feature Request": "feature",
    "Integration": "feature",
    "Security": "workspace",
    "General Inquiry": "feature",
}

# Values the mess step writes.
INVALID_PRIORITIES = ("P0", "asap", "URGENT!!", "p1", "n/a", "critical", "unknown", "-")
UNPARSEABLE_TIMESTAMPS = (
    "31/02/2024 25:61",
    "not a date",
    "2024-13-45T10:00:00Z",
    "0000-00-00 00:00:00",
    "N/A",
    "yesterday",
    "12/31/2024 7pm",
)
OUT_OF_RANGE_SCORES = (0, 6, 7, 10, -1, 99)


def category_variants(category: str) -> tuple[str, ...]:
    """Spellings that trimming and case-folding map back to the category (never itself)."""
    spellings = (
        category.lower(),
        category.upper(),
        f"  {category.upper()} ",
        f" {category.lower()}",
        f"{category}  ",
        f"\t{category}",
        category.capitalize(),
    )
    return tuple(dict.fromkeys(s for s in spellings if s != category))
