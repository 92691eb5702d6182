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

Dynamic/static split: ISAAC publishes peak power with leakage inside.  The
split is puma-simulator's (Ankit et al., ASPLOS 2019; ``include/constants.py``,
which re-prices ISAAC's components as ``*_pow_dyn`` + ``*_pow_leak``):
ADC 1.8 + 0.2 mW, DAC 3.506 + 0.391 uW, S+H 8.73 + 0.97 nW, S+A 0.045 +
0.005 mW, sigmoid 0.234 + 0.026 mW (10 % static each); eDRAM-to-IMA bus
"same as isaac" 6 + 1 mW; memristor array 0 static (non-volatile, no bias
without a read); HyperTransport 10.4 W all dynamic; 64 KB eDRAM 0.46 mW
static (refresh included); SRAM data memory 0.33 mW static per 2 KB (CACTI,
32 nm); 8-port router 1.04 mW static of 52.52 mW.  Each model keeps the
table's peak power and moves the static share out of its per-action
energy, so the roll-up still reproduces Table 6 and events + leakage x time
integrate back to it (validation V4).
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

# --- Static (leakage) share: puma-simulator include/constants.py ---------
PUMA_SOURCE = "puma-simulator include/constants.py (Ankit et al., ASPLOS 2019): dynamic/leakage split"
STATIC_FRACTION_10PCT = 0.1
"""ADC (0.2 of 2 mW), DAC (0.391 of 3.897 uW), S+H (0.97 of 9.7 nW), S+A (0.005 of 0.05 mW),
sigmoid (0.026 of 0.26 mW): 10 % of each ISAAC unit's power is leakage in puma-simulator."""
BUS_LEAKAGE_MW = 1.0
"""ISAAC's 384-wire bus: 7 mW = 6 mW dynamic + 1 mW leakage (puma-simulator: 6/2 + 1/2 over two cycles)."""
XBAR_LEAKAGE_MW = 0.0
"""puma-simulator xbar_pow_leak = 0: a ReRAM array draws no current between reads."""
EDRAM_LEAKAGE_MW_PER_64KB = 0.46
"""puma-simulator edram_pow_leak for 64 KB (eDRAM leakage and refresh), 32 nm."""
SRAM_LEAKAGE_MW_PER_2KB = 0.33
"""puma-simulator dataMem_pow_leak for 2048 B (CACTI, 32 nm); its 256 B entry, 0.044 mW, is within 7 % of
the linear law 0.33 x 256/2048 = 0.041 mW."""
ROUTER_STATIC_FRACTION = 1.04 / (51.48 + 1.04)
"""puma-simulator 8-port router: 51.48 mW dynamic + 1.04 mW leakage -> 1.98 % of its peak is static."""
