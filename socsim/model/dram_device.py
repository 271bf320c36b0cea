"""Command-level DRAM device: ranks, bank groups and banks that take ACT/RD/WR/PRE/REF under JEDEC timing.

Every bank keeps, per command kind, the earliest clock at which that command may issue to it; a
command issued at clock c raises those earliest clocks in its own bank, in the other banks of its
bank group, in the other bank groups of its rank and in the other ranks by the spacings below
(JESD79-4B DDR4 §4 and JESD209-4B LPDDR4 §4 timing tables, arranged as DRAMsim3's ``Timing``
class does at commit 29817593). With burst t_B = BL/2 clocks, RL = AL + CL, WL = AL + CWL:

- RD → RD: max(t_B, tCCD_L) same bank group, max(t_B, tCCD_S) other group, t_B + tRTRS other rank;
  RD → WR: RL + t_B − WL + tRTRS; RD → PRE (same bank): AL + tRTP.
- WR → RD: WL + t_B + tWTR_L (same group) or tWTR_S (other group); WR → WR as RD → RD;
  WR → PRE (same bank): WL + t_B + tWR.
- ACT → RD: tRCD − AL; ACT → WR: tRCDWR − AL (tRCD unless given); ACT → PRE: tRAS; ACT → ACT:
  tRC = tRAS + tRP same bank, tRRD_L same group, tRRD_S other group; at most four ACTs per rank in any tFAW.
- PRE → ACT/REF: tRP; PRE → PRE of other banks: tPPD (LPDDR4).
- REF (all banks of a rank, all closed) → ACT/REF: tRFC.

A bank is open (one row) or closed; a RD/WR to another row needs PRE then ACT. ``hits`` counts the
RD/WR served by the open row since its ACT (the first access after an ACT is not a hit).
"""

from __future__ import annotations

from socsim.scenario import DramDeviceSpec

ACT, RD, WR, PRE, REF = range(5)
"""Command kinds."""
KINDS = 5


def spacings(d: DramDeviceSpec) -> dict[str, dict[int, list[tuple[int, int]]]]:
    """Per relation (same_bank, same_group, other_group, other_rank, same_rank) and issued command:
    the (command kind, clocks) it must wait for (module docstring)."""
    t_b = d.burst_cycles
    rl, wl = d.AL + d.CL, d.AL + d.CWL
    read_delay, write_delay = rl + t_b, wl + t_b
    grouped = d.bankgroups > 1
    rr_l = max(t_b, d.tCCD_L if grouped else d.tCCD_S)
    rr_s = max(t_b, d.tCCD_S)
    w2r_l = write_delay + (d.tWTR_L if grouped else d.tWTR_S)
    w2r_s = write_delay + d.tWTR_S
    r2w = rl + t_b - wl + d.tRTRS
    rrd_l = d.tRRD_L if grouped else d.tRRD_S
    t_rc = d.tRAS + d.tRP
    rd_other = [(RD, t_b + d.tRTRS), (WR, read_delay + t_b + d.tRTRS - write_delay)]
    wr_other = [(RD, write_delay + t_b + d.tRTRS - read_delay), (WR, t_b)]
    pre_others = [(PRE, d.tPPD)] if d.tPPD else []
    return {
        "same_bank": {
            RD: [(RD, rr_l), (WR, r2w), (PRE, d.AL + d.tRTP)],
            WR: [(RD, w2r_l), (WR, rr_l), (PRE, wl + t_b + d.tWR)],
            ACT: [(ACT, t_rc), (RD, d.tRCD - d.AL), (WR, d.act_to_write - d.AL), (PRE, d.tRAS)],
            PRE: [(ACT, d.tRP), (REF, d.tRP)],
        },
        "same_group": {RD: [(RD, rr_l), (WR, r2w)], WR: [(RD, w2r_l), (WR, rr_l)], ACT: [(ACT, rrd_l)],
                       PRE: pre_others},
        "other_group": {RD: [(RD, rr_s), (WR, r2w)], WR: [(RD, w2r_s), (WR, rr_s)], ACT: [(ACT, d.tRRD_S)],
                        PRE: pre_others},
        "other_rank": {RD: rd_other, WR: wr_other, ACT: [], PRE: []},
        "same_rank": {REF: [(ACT, d.tRFC), (REF, d.tRFC)]},
    }


class DramDevice:
    """Bank states and earliest-issue clocks of one channel; banks are numbered rank, group, bank (flat)."""

    def __init__(self, spec: DramDeviceSpec):
        self.spec = spec
        self.banks_per_rank = spec.banks
        n = spec.ranks * spec.banks
        self.n_banks = n
        self.ready = [[0] * KINDS for _ in range(n)]
        """Per bank and command kind: earliest clock it may issue (clock)."""
        self.open_row = [-1] * n
        """Per bank: the open row, −1 when closed."""
        self.hits = [0] * n
        """Per bank: RD/WR served by the open row since its ACT (count)."""
        self._faw = [[] for _ in range(spec.ranks)]
        # Invariant: _faw[rank] holds the expiry clocks (ACT clock + tFAW) of at most four ACTs, oldest first.
        self.read_delay = spec.AL + spec.CL + spec.burst_cycles
        """RD command to the end of its data on the bus (clocks)."""
        self._effects = self._build_effects(spec)

    def _build_effects(self, d: DramDeviceSpec) -> list[list[list[tuple[list[int], int, int]]]]:
        """Per bank and command kind: the (ready row of a bank, kind, clocks) pairs to raise."""
        table = spacings(d)
        bpr, bpg = d.banks, d.banks_per_group
        out = []
        for b in range(self.n_banks):
            per_kind = [[] for _ in range(KINDS)]
            for j in range(self.n_banks):
                if j == b:
                    rel = "same_bank"
                elif j // bpr != b // bpr:
                    rel = "other_rank"
                elif (j % bpr) // bpg == (b % bpr) // bpg:
                    rel = "same_group"
                else:
                    rel = "other_group"
                for kind, waits in table[rel].items():
                    per_kind[kind].extend((self.ready[j], k, c) for k, c in waits)
                if j // bpr == b // bpr:
                    per_kind[REF].extend((self.ready[j], k, c) for k, c in table["same_rank"][REF])
            out.append(per_kind)
        return out

    def rank_of(self, bank: int) -> int:
        """Rank of flat bank ``bank`` (index)."""
        return bank // self.banks_per_rank

    def required(self, bank: int, row: int, kind: int) -> int:
        """The command a RD or WR to ``row`` of ``bank`` needs next: ACT, PRE or itself."""
        open_row = self.open_row[bank]
        if open_row < 0:
            return ACT
        return kind if open_row == row else PRE

    def ready_at(self, bank: int, cmd: int) -> int:
        """Earliest clock ``cmd`` may issue to ``bank``, tFAW included for ACT (clock)."""
        t = self.ready[bank][cmd]
        if cmd == ACT:
            faw = self._faw[bank // self.banks_per_rank]
            if len(faw) >= 4 and faw[0] > t:
                return faw[0]
        return t

    def refresh_step(self, rank: int, clk: int) -> tuple[int, int] | None:
        """The command that advances an all-bank refresh of ``rank`` at ``clk``: (PRE, bank) for an open
        bank whose PRE may issue, (REF, first bank) once every bank is closed and may refresh, else None."""
        first = rank * self.banks_per_rank
        all_ready = True
        for b in range(first, first + self.banks_per_rank):
            if self.open_row[b] >= 0:
                if clk >= self.ready[b][PRE]:
                    return PRE, b
                all_ready = False
            elif clk < self.ready[b][REF]:
                all_ready = False
        return (REF, first) if all_ready else None

    def issue(self, cmd: int, bank: int, row: int, clk: int) -> None:
        """Issue ``cmd`` to ``bank`` (``row`` for ACT) at ``clk``: update the bank state and every spacing."""
        if cmd == ACT:
            faw = self._faw[bank // self.banks_per_rank]
            if faw and clk >= faw[0]:
                faw.pop(0)
            faw.append(clk + self.spec.tFAW)
            self.open_row[bank] = row
            self.hits[bank] = 0
        elif cmd == PRE:
            self.open_row[bank] = -1
            self.hits[bank] = 0
        elif cmd != REF:
            self.hits[bank] += 1
        for ready, kind, clocks in self._effects[bank][cmd]:
            if ready[kind] < clk + clocks:
                ready[kind] = clk + clocks

    def next_change(self, clk: int) -> int | None:
        """The smallest earliest-issue clock (tFAW expiries included) after ``clk``; None if none (clock)."""
        best = None
        for ready in self.ready:
            for t in ready:
                if t > clk and (best is None or t < best):
                    best = t
        for faw in self._faw:
            if faw and faw[0] > clk and (best is None or faw[0] < best):
                best = faw[0]
        return best

    def future_clocks(self, clk: int) -> list[int]:
        """Every earliest-issue clock (tFAW expiries included) after ``clk``, sorted, no repeats (clocks)."""
        out = {t for ready in self.ready for t in ready if t > clk}
        out.update(faw[0] for faw in self._faw if faw and faw[0] > clk)
        return sorted(out)
