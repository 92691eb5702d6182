"""ISAAC's published component table: the calibration anchors of most models.

Source: A. Shafiee et al., "ISAAC: A Convolutional Neural Network Accelerator
with In-Situ Analog Arithmetic in Crossbars", ISCA 2016, Table 6 (32 nm,
1.2 GHz digital clock, 100 ns crossbar read), as re-used by independent
re-implementations: hwcomponents-library ``isaac.py``, puma-simulator
``include/constants.py`` ("Taken from issac paper"), PIMSYN DATE'24 Table III.
Collected with those cross-checks in ``reference/pim_hardware_reference.md``
section 2(a).  IR/OR powers (1.24/0.23 mW) are seen in no second source; they
are the values that close the 289 mW IMA total.

Every constant below is a row of that table (per instance unless it says
otherwise).  Models scale these anchors to other sizes, bits and nodes with
named, cited laws; at ISAAC's own parameters every scale factor is 1.

Assumptions: the table gives *peak* power only; the models treat it as
dynamic power at full activity and set leakage to 0 (leakage is inside the
published figure, so adding more would double count).
"""

from __future__ import annotations

SOURCE = "Shafiee et al., ISAAC, ISCA 2016, Table 6 (reference 2(a))"

NODE_NM = 32
CLOCK_MHZ = 1200.0
READ_NS = 100.0
"""Crossbar read (one input bit slice) cycle, ns."""

# --- IMA ---------------------------------------------------------------
ADC_BITS = 8
ADC_RATE_MSPS = 1280.0
ADC_POWER_MW = 2.0          # 8 ADCs: 16 mW
ADC_AREA_UM2 = 1200.0       # 8 ADCs: 0.0096 mm2

DAC_BITS = 1
DAC_POWER_MW = 4.0 / 1024   # 8 x 128 DACs: 4 mW
DAC_AREA_UM2 = 0.166        # 8 x 128 DACs: 0.00017 mm2

SH_POWER_MW = 0.010 / 1024  # 8 x 128 S+H: 10 uW
SH_AREA_UM2 = 40.0 / 1024   # 8 x 128 S+H: 0.00004 mm2

XBAR_ROWS = 128
XBAR_COLS = 128
XBAR_POWER_MW = 0.3         # 8 arrays: 2.4 mW
XBAR_AREA_UM2 = 25.0        # 8 arrays: 0.0002 mm2

PE_SA_UNITS = 4
PE_SA_POWER_MW = 0.2 / 4    # 4 S+A: 0.2 mW
PE_SA_AREA_UM2 = 240.0 / 4  # 4 S+A: 0.00024 mm2

IR_BYTES = 2048
IR_POWER_MW = 1.24
IR_AREA_UM2 = 2100.0        # 0.0021 mm2

OR_BYTES = 256
OR_POWER_MW = 0.23
OR_AREA_UM2 = 770.0         # 0.00077 mm2

# --- Tile --------------------------------------------------------------
EDRAM_BYTES = 65536
EDRAM_WIDTH_BITS = 256
EDRAM_BANKS = 4
EDRAM_POWER_MW = 20.7
EDRAM_AREA_UM2 = 83000.0    # 0.083 mm2
EDRAM_ACCESS_PJ = 20.45
"""One 256-bit eDRAM read or write at 32 nm (CACTI, hwcomponents-library isaac.py row
``32nm,1e-9,256,2048,20.45,83000``)."""

BUS_WIRES = 384
BUS_POWER_MW = 7.0
BUS_AREA_UM2 = 90000.0      # 0.090 mm2

ROUTER_FLIT_BITS = 32
ROUTER_PORTS = 8
ROUTER_POWER_MW = 42.0      # one router, shared by 4 tiles
ROUTER_AREA_UM2 = 150000.0  # 0.150 mm2

SIGMOID_POWER_MW = 0.52 / 2  # 2 units: 0.52 mW
SIGMOID_AREA_UM2 = 600.0 / 2  # 2 units: 0.0006 mm2
SIGMOID_BITS = 16

TILE_SA_POWER_MW = 0.05
TILE_SA_AREA_UM2 = 60.0

MAXPOOL_POWER_MW = 0.4
MAXPOOL_AREA_UM2 = 240.0

TILE_OR_BYTES = 3072
TILE_OR_POWER_MW = 1.68
TILE_OR_AREA_UM2 = 3200.0   # 0.0032 mm2

# --- Chip --------------------------------------------------------------
HT_POWER_MW = 10400.0       # HyperTransport links: 10.4 W
HT_AREA_MM2 = 22.88
