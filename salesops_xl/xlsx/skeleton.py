"""The parts of a brand-new workbook with no sheet yet (sheets are added by the writer).

Timestamps are fixed so that the same input always gives the same file.
"""
from __future__ import annotations

from . import xmlutil as X
from .styles import DEFAULT_STYLES
from .theme import THEME_XML

FIXED_TIMESTAMP = "1980-01-01T00:00:00Z"

CONTENT_TYPES_XML = (
    X.XML_DECL
    + f'<Types xmlns="{X.NS_CT}">'
    + f'<Default Extension="rels" ContentType="{X.CT_RELS}"/>'
    + '<Default Extension="xml" ContentType="application/xml"/>'
    + f'<Override PartName="/xl/workbook.xml" ContentType="{X.CT_WORKBOOK}"/>'
    + f'<Override PartName="/xl/styles.xml" ContentType="{X.CT_STYLES}"/>'
    + f'<Override PartName="/xl/theme/theme1.xml" ContentType="{X.CT_THEME}"/>'
    + f'<Override PartName="/docProps/core.xml" ContentType="{X.CT_CORE}"/>'
    + f'<Override PartName="/docProps/app.xml" ContentType="{X.CT_EXTENDED}"/>'
    + "</Types>"
)

ROOT_RELS_XML = (
    X.XML_DECL
    + f'<Relationships xmlns="{X.NS_PKG_REL}">'
    + f'<Relationship Id="rId1" Type="{X.REL_OFFICE_DOCUMENT}" Target="xl/workbook.xml"/>'
    + f'<Relationship Id="rId2" Type="{X.REL_CORE}" Target="docProps/core.xml"/>'
    + f'<Relationship Id="rId3" Type="{X.REL_EXTENDED}" Target="docProps/app.xml"/>'
    + "</Relationships>"
)

APP_XML = (
    X.XML_DECL
    + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>salesops-xl</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>"
)

CORE_XML = (
    X.XML_DECL
    + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>salesops-xl</dc:creator><cp:lastModifiedBy>salesops-xl</cp:lastModifiedBy>"
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_TIMESTAMP}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_TIMESTAMP}</dcterms:modified>'
    "</cp:coreProperties>"
)

WORKBOOK_XML = (
    X.XML_DECL
    + f'<workbook xmlns="{X.NS_MAIN}" xmlns:r="{X.NS_R}">'
    + '<workbookPr defaultThemeVersion="124226"/>'
    + '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
    + "<sheets/>"
    + '<calcPr calcId="124519" fullCalcOnLoad="1"/>'
    + "</workbook>"
)

WORKBOOK_RELS_XML = (
    X.XML_DECL
    + f'<Relationships xmlns="{X.NS_PKG_REL}">'
    + f'<Relationship Id="rId1" Type="{X.REL_THEME}" Target="theme/theme1.xml"/>'
    + f'<Relationship Id="rId2" Type="{X.REL_STYLES}" Target="styles.xml"/>'
    + "</Relationships>"
)

PARTS: list[tuple[str, str]] = [
    ("[Content_Types].xml", CONTENT_TYPES_XML),
    ("_rels/.rels", ROOT_RELS_XML),
    ("docProps/app.xml", APP_XML),
    ("docProps/core.xml", CORE_XML),
    ("xl/workbook.xml", WORKBOOK_XML),
    ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS_XML),
    ("xl/styles.xml", DEFAULT_STYLES),
    ("xl/theme/theme1.xml", THEME_XML),
]
