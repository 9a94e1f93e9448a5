"""党建+网格: party branches on buildings and grids, members serving neighbours, small wishes."""
