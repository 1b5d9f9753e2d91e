"""Keeps PodDisruptionBudget status current (kubectl get pdb shows ALLOWED DISRUPTIONS)."""
from .. import errors
from ..disruption import PDB, budget_status
from . import Loop


class DisruptionController(Loop):
    name = "disruption-controller"

    def reconcile(self):
        for pdb in self.store.list(PDB)[0]:
            st = budget_status(self.store, pdb)
            if (pdb.get("status") or {}) != st:
                pdb["status"] = st
                try:
                    self.store.update(PDB, pdb, check_rv=False, status_only=True)
                except errors.ApiError:
                    pass
