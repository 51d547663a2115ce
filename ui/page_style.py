"""What every page shares in its look: the tab icon (a local image) and the print stylesheet.

Nothing is fetched from outside the server: the tab icon is an image served by the app (an
emoji or ``:material/...:`` icon is fetched by the browser from an outside host, which fails
offline and tells that host who is using the dashboard).
"""

from __future__ import annotations

from pathlib import Path

PAGE_ICON = str(Path(__file__).resolve().parent / "static" / "icon.png")

# Narrower side margins up to 1500 px wide (tables fit whole beside the sidebar).
# Printing a page (a Board paper): no sidebar, no widgets or toolbar buttons, every table whole
# (the grid prints only the rows in its scroll box, so each table's HTML copy is printed in its
# place: ``ui.components.data_table``), expanders open, each section (h2) on a new page. A chart's
# data table is printed only if opened: it is built when opened (``ui.components.chart_with_table``).
PRINT_STYLE = """<style>
[data-testid="stElementContainer"]:has(.print-table) { display: none; }
/* Up to 1500 px wide the page's side margins are narrower, so tables fit whole beside the sidebar
   (``ui.components.TABLE_WIDTH_PX``). */
@media screen and (max-width: 1500px) {
  [data-testid="stMainBlockContainer"] { padding-left: 2rem !important; padding-right: 2rem !important; }
}
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stElementToolbar"], [data-testid="stDataFrame"], [data-testid="stSkipLink"],
  [data-testid="stButton"], [data-testid="stDownloadButton"], [data-testid="stBaseButton-secondary"],
  [data-testid="stSelectbox"], [data-testid="stMultiSelect"], [data-testid="stCheckbox"],
  [data-testid="stDateInput"], [data-testid="stTextInput"], [data-testid="stRadio"], [data-testid="stSlider"],
  [data-testid="stFileUploader"], [data-testid="stPageLink"], [data-testid="stFormSubmitButton"],
  .vega-embed details, .vega-actions { display: none !important; }
  [data-testid="stElementContainer"]:has([data-testid="stDataFrame"]),
  [data-testid="stElementContainer"]:has([data-testid="stCheckbox"]),
  [data-testid="stElementContainer"]:has([data-testid="stDownloadButton"]),
  [data-testid="stElementContainer"]:has([data-testid="stSelectbox"]) { display: none !important; }
  [data-testid="stElementContainer"]:has(.print-table) { display: block !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    padding: 0 !important; margin: 0 !important; max-width: none !important; overflow: visible !important;
  }
  details > summary { list-style: none; font-weight: 600; }
  details::details-content { content-visibility: visible !important; display: block !important; }
  .print-table table { border-collapse: collapse; width: 100%; font-size: 9pt; }
  .print-table caption { text-align: left; font-weight: 600; padding: 4pt 0; }
  .print-table th, .print-table td { border: 1px solid #b1b4b6; padding: 2pt 4pt; text-align: left;
                                     vertical-align: top; }
  .print-table thead { display: table-header-group; }
  .print-table tr, [data-testid="stVegaLiteChart"], [data-testid="stAlert"] { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  [data-testid="stElementContainer"]:has(h2) ~ [data-testid="stElementContainer"]:has(h2) { break-before: page; }
}
</style>"""
