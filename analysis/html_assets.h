/* The report page's stylesheet and script (assets/), compiled in. */
#pragma once

extern const char html_asset_report_css[];
extern const char html_asset_report_js[];
