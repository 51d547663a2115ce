"""Accessibility statement, in the form GOV.UK services publish.

Keep it true to what ``tests/browser/test_accessibility.py`` checks: the known
problems listed here are the ones that test tolerates (and it fails when this
page stops naming them).
"""

import streamlit as st

from data_access.settings import load_settings
from ui import context

PREPARED = "25 November 2026"
REVIEWED = "7 December 2026"
CONTACT = load_settings().accessibility_contact

context.page_viewer()  # through app.py first, as every page (sign-in, the app's menu)

st.title("Accessibility statement for Improvement Oversight")

st.markdown(
    """
This accessibility statement applies to Improvement Oversight. It is the Department
for Education's dashboard for overseeing the children's social care improvement
programmes: their key performance indicators (KPIs), the local authorities they
support, their finances and their timelines.

Department for Education board members, contract managers and case leads use it.
So do the administrators who manage its users and data.
"""
)

st.header("Using this service")
st.markdown(
    """
We want as many people as possible to be able to use this service. For example,
that means you should be able to:

- use the page menu, filters, file upload and buttons with a keyboard alone, and
  see where the keyboard focus is
- see where each contract stands on the Overview in a table of statuses written
  in words (such as "Met", "Below" and "Overdue"), never told by colour alone;
  each status is a link to its page that you can reach with the Tab key, and a
  screen reader reads it with its contract and column
- read the figures behind every chart as a table and in a one-sentence summary,
  without needing to see the chart
- download the figures of the tables as CSV or Excel, to read them in the tools
  you prefer, and the Board pack as Excel or PDF
- read every table whole at 1280 pixels wide or more, without scrolling sideways:
  each table has a caption saying what it holds and how many rows it has, shows up
  to 25 rows (the rest with "Show all"), and sorts by any column heading
- find the local authorities on the Coverage map in a table of their own ("LAs on
  the map as a table"), with their region and support
- tell every control apart by its name: no two boxes or buttons on a page share one
- print a page: the sidebar, boxes and buttons are left out, every table is printed
  with its headings (its first 200 rows: every row is in its downloads), and each
  section starts on a new page. A chart's data table is built when you open it, so
  open the ones you want on paper before printing
- see what narrows a page in a "Showing" line at its top, and take each filter off
  with its own button
- choose the pages and filters you need from the sidebar, and bookmark or share
  the address of what you are looking at: it keeps your filters

We have also made the text as simple as we can to understand.
"""
)

st.header("How accessible this service is")
st.markdown(
    """
We know some parts of this service are not fully accessible:

- charts are drawn as pictures: a screen reader reads out each chart's name, which
  points to the chart's one-sentence summary just above it and to the data table under
  it, where the figures themselves are
- the page menu is built by the framework the service uses (Streamlit) and groups
  its links in a way screen readers may announce incorrectly
- the "Figures as of" date box, drawn by Streamlit, has small day, month and year
  parts close together
- the data tables are drawn by Streamlit as pictures with a grid behind them for
  screen readers; we have not yet tested them with screen readers, so the tables
  under the charts can also be downloaded as CSV or Excel. Each table's name is
  short (its caption), so its toolbar buttons are read out briefly, but a table
  still takes a few presses of Tab to pass
- the PDF Board pack is not fully tagged: its charts have text alternatives and
  its sections are bookmarked, but a screen reader may not read its tables as
  tables
"""
)

st.header("Feedback and contact information")
contact = (
    f"email {CONTACT}"
    if CONTACT
    else "contact the Improvement Oversight team through your Department for Education contract manager"
)
st.markdown(
    f"""
If you need information in this service in a different format, such as accessible
PDF, large print, easy read, audio recording or braille, {contact}.

We'll consider your request and get back to you within 5 working days.
"""
)

st.header("Reporting accessibility problems with this service")
st.markdown(
    f"""
We're always looking to improve the accessibility of this service. If you find any
problems not listed on this page or think we're not meeting accessibility
requirements, {contact}. Please tell us the page, what you were trying to do and
the browser and any assistive technology you were using.
"""
)

st.header("Enforcement procedure")
st.markdown(
    """
The Equality and Human Rights Commission (EHRC) is responsible for enforcing the
Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 (the "accessibility regulations"). If you're not happy with how we
respond to your complaint, [contact the Equality Advisory and Support Service
(EASS)](https://www.equalityadvisoryservice.com/).
"""
)

st.header("Technical information about this service's accessibility")
st.markdown(
    """
The Department for Education is committed to making its websites and services
accessible, in accordance with the Public Sector Bodies (Websites and Mobile
Applications) (No. 2) Accessibility Regulations 2018.
"""
)

st.subheader("Compliance status")
st.markdown(
    """
This service is partially compliant with the [Web Content Accessibility Guidelines
version 2.2](https://www.w3.org/TR/WCAG22/) AA standard, due to the non-compliances
listed below.
"""
)

st.subheader("Non-accessible content")
st.markdown(
    """
The content listed below is non-accessible for the following reasons.

**Non-compliance with the accessibility regulations**

- The page menu in the sidebar is built by Streamlit, the framework the service
  uses. Its list of pages contains the section headings ("Programmes", "Data",
  "About") as well as the links, so screen readers may announce the wrong number of
  items in the list. This fails WCAG 2.2 success criterion 1.3.1 (Info and
  relationships). The links themselves have clear names and work with a keyboard.
  We cannot change this part of Streamlit; we will report it to its developers
  and update the service when it is fixed.
- The "Figures as of" date box is drawn by Streamlit. Its day, month and year parts
  are small targets close together, which can be hard to press with a finger or an
  unsteady pointer. This fails WCAG 2.2 success criterion 2.5.8 (Target size
  (minimum)). You can type the date instead, or move between the parts with the
  arrow keys and change them with the up and down arrows. A typed date takes
  effect when you leave the box (with Tab), not when you press Enter.
- Some charts are wider than a phone screen held upright (320 to 400 pixels) and
  must be scrolled sideways, and on a phone the labels of a participant-status bar
  can overlap. This fails WCAG 2.2 success criterion 1.4.10 (Reflow). Each chart's
  summary sentence and "Data table" reflow and hold the same figures.
- In the bar of every participant's status, a segment too narrow for its label
  shows its count only, and its status is told by its colour. This fails WCAG 2.2
  success criterion 1.4.1 (Use of colour). The "Data table" under the chart names
  the status of every count.
- The PDF Board pack's text and tables are not tagged. Only its charts have text
  alternatives (with its title, language and section bookmarks). A screen reader
  may read a table's cells in the wrong order or not as a table. This fails WCAG
  2.2 success criterion 1.3.1 (Info and relationships). The Excel Board pack holds
  the same figures in real tables, and every figure is also on the dashboard.

**Disproportionate burden**

We are not claiming that any accessibility problem would be a disproportionate
burden to fix.

**Content that's not within the scope of the accessibility regulations**

Files that users upload (contract registers, pricing schedules, quarterly
returns and LA status workbooks) are not published by this service. Quarterly
returns come from suppliers; the other workbooks are kept by the Department's
own contract managers.
"""
)

st.header("What we're doing to improve accessibility")
st.markdown(
    """
Every change to the service is checked by the automated tests described below
before it is released. A new automated finding stops the release until it is
fixed. Problems that come from Streamlit itself are listed on this page until
Streamlit fixes them. We plan to make the PDF Board pack a fully tagged PDF.
"""
)

st.header("Preparation of this accessibility statement")
st.markdown(
    f"""
This statement was prepared on {PREPARED}. It was last reviewed on {REVIEWED}.

This service was last tested on {REVIEWED}. The test was carried out by the
service's development team, with automated and keyboard checks:

- **Automated checks on every page.** Each page of the service (Overview, KPIs,
  Coverage, Finance, Timelines, Outcomes and value for money, LA profile, Upload
  data, Import history, Users and audit, Methodology and this statement) is opened in a headless Chromium browser
  with the demonstration data, once its charts and tables have been drawn, and
  checked with [axe-core](https://github.com/dequelabs/axe-core) against its WCAG
  2.0, 2.1 and 2.2 level A and AA rules. Any serious or critical finding fails the
  test suite, which runs before every release.
- **Tables and requests.** Every page is opened 1280 and 1440 pixels wide, as an
  administrator and as a Board member, and each table's columns are measured
  against its width: none may be cut off. Every request the browser makes must go
  to the service itself (nothing is fetched from another site), and the server's
  log must hold no error.
- **Keyboard checks.** The upload of a quarterly return is completed with a
  keyboard alone (Tab to the file selector and the buttons, Enter or Space to use
  them), checking that the keyboard focus reaches each control and is visible.
- **Overview status grid.** A test checks that the grid is in the first screen of
  the Overview at 1440 by 900 pixels, and that every cell has a status in words.
- **PDF Board pack.** A test checks that the PDF opens, has the Excel pack's
  sections in its bookmarks, and gives the same figures. The print stylesheet has
  been checked by hand, by printing the Overview from Chromium; no automated test
  checks it yet.

The service has not yet been audited by an accessibility specialist or tested with
screen reader users. Automated checks find only some accessibility problems, so
we will add such testing and update this statement.
"""
)
