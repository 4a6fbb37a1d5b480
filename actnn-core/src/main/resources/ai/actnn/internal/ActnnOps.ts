# TorchScript source of the module NativeOps loads. Serialized-code dialect: dtypes are
# ScalarType numbers (0 = uint8, 4 = int64), every method is typed.
class ActnnOps(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.ActnnOps, x: Tensor) -> Tensor:
    return x
  def conv_backward(self: __torch__.ActnnOps, grad: Tensor, x: Tensor, w: Tensor, bias_sizes: List[int], stride: List[int], padding: List[int], dilation: List[int], transposed: bool, output_padding: List[int], groups: int, mask: List[bool]) -> Tuple[Tensor, Tensor, Tensor]:
    gx, gw, gb = torch.convolution_backward(grad, x, w, bias_sizes, stride, padding, dilation, transposed, output_padding, groups, mask)
    if not mask[0]:
      gx = torch.empty([0])
    if not mask[1]:
      gw = torch.empty([0])
    if not mask[2]:
      gb = torch.empty([0])
    return gx, gw, gb
  def batch_norm_forward(self: __torch__.ActnnOps, x: Tensor, w: Tensor, b: Tensor, running_mean: Tensor, running_var: Tensor, momentum: float, eps: float) -> Tuple[Tensor, Tensor, Tensor]:
    y, save_mean, save_invstd = torch.native_batch_norm(x, w, b, running_mean, running_var, True, momentum, eps)
    return y, save_mean, save_invstd
  def batch_norm_standardize(self: __torch__.ActnnOps, x: Tensor, w: Tensor, b: Tensor, running_mean: Tensor, running_var: Tensor, momentum: float, eps: float) -> Tuple[Tensor, Tensor, Tensor]:
    hat, save_mean, save_invstd = torch.native_batch_norm(x, w, b, running_mean, running_var, True, momentum, eps)
    shape = [1, -1] + [1] * (x.dim() - 2)
    torch.sub(x, save_mean.view(shape), out=hat)
    hat.mul_(save_invstd.view(shape))
    return hat, save_mean, save_invstd
  def batch_norm_output(self: __torch__.ActnnOps, x: Tensor, w: Tensor, b: Tensor, eps: float) -> Tensor:
    y, save_mean, save_invstd = torch.native_batch_norm(x, w, b, None, None, True, 0.0, eps)
    return y
  def batch_norm_backward(self: __torch__.ActnnOps, grad: Tensor, x: Tensor, w: Tensor, save_mean: Tensor, save_invstd: Tensor, eps: float, mask: List[bool]) -> Tuple[Tensor, Tensor, Tensor]:
    gx, gw, gb = torch.native_batch_norm_backward(grad, x, w, None, None, save_mean, save_invstd, True, eps, mask)
    if not mask[0]:
      gx = torch.empty([0])
    if not mask[1]:
      gw = torch.empty([0])
    if not mask[2]:
      gb = torch.empty([0])
    return gx, gw, gb
  def max_pool2d_offsets(self: __torch__.ActnnOps, x: Tensor, k: List[int], s: List[int], p: List[int], ceil: bool) -> Tuple[Tensor, Tensor]:
    y, idx = torch.max_pool2d_with_indices(x, k, s, p, [1, 1], ceil)
    W = x.size(-1)
    oh = torch.arange(y.size(-2), device=x.device).view(-1, 1) * s[0] - p[0]
    ow = torch.arange(y.size(-1), device=x.device).view(1, -1) * s[1] - p[1]
    ih = torch.div(idx, W, rounding_mode='floor')
    iw = idx - ih * W
    off = (ih - oh) * k[1] + (iw - ow)
    return y, off.to(dtype=0)
  def max_pool2d_offsets_backward(self: __torch__.ActnnOps, grad: Tensor, off: Tensor, H: int, W: int, k: List[int], s: List[int], p: List[int]) -> Tensor:
    o = off.to(dtype=4)
    kh = torch.div(o, k[1], rounding_mode='floor')
    kw = o - kh * k[1]
    oh = torch.arange(grad.size(-2), device=grad.device).view(-1, 1) * s[0] - p[0]
    ow = torch.arange(grad.size(-1), device=grad.device).view(1, -1) * s[1] - p[1]
    idx = (oh + kh) * W + (ow + kw)
    lead = grad.shape[:-2]
    g2 = grad.reshape([-1, grad.size(-2) * grad.size(-1)])
    gx = torch.zeros([g2.size(0), H * W], dtype=grad.dtype, device=grad.device)
    gx.scatter_add_(1, idx.reshape([g2.size(0), -1]), g2)
    return gx.view(lead + [H, W])
  def avg_pool2d_backward(self: __torch__.ActnnOps, grad: Tensor, shape: List[int], k: List[int], s: List[int], p: List[int], ceil: bool, count_include_pad: bool) -> Tensor:
    x = torch.empty(shape, dtype=grad.dtype, device=grad.device)
    return torch.avg_pool2d_backward(grad, x, k, s, p, ceil, count_include_pad, None)
  def convolution(self: __torch__.ActnnOps, x: Tensor, w: Tensor, b: Tensor, has_bias: bool, stride: List[int], padding: List[int], dilation: List[int], transposed: bool, output_padding: List[int], groups: int) -> Tensor:
    if has_bias:
      return torch.convolution(x, w, b, stride, padding, dilation, transposed, output_padding, groups)
    return torch.convolution(x, w, None, stride, padding, dilation, transposed, output_padding, groups)
  def copy_into(self: __torch__.ActnnOps, dst: Tensor, src: Tensor) -> Tensor:
    dst.copy_(src)
    return dst
  def requires_grad(self: __torch__.ActnnOps, xs: List[Tensor]) -> List[bool]:
    out: List[bool] = []
    for x in xs:
      out.append(x.requires_grad)
    return out
  def avg_pool2d(self: __torch__.ActnnOps, x: Tensor, k: List[int], s: List[int], p: List[int], ceil: bool, count_include_pad: bool) -> Tensor:
    return torch.avg_pool2d(x, k, s, p, ceil, count_include_pad, None)
  def deconv_weight_to_torch(self: __torch__.ActnnOps, w: Tensor, groups: int) -> Tensor:
    out_c = w.size(0)
    rest = w.shape[2:]
    v = w.reshape([groups, out_c // groups, w.size(1)] + rest)
    return v.transpose(1, 2).reshape([groups * w.size(1), out_c // groups] + rest)
  def deconv_weight_from_torch(self: __torch__.ActnnOps, w: Tensor, groups: int) -> Tensor:
    in_c = w.size(0)
    rest = w.shape[2:]
    v = w.reshape([groups, in_c // groups, w.size(1)] + rest)
    return v.transpose(1, 2).reshape([groups * w.size(1), in_c // groups] + rest)
  def layer_norm_forward(self: __torch__.ActnnOps, x: Tensor, normalized_shape: List[int], w: Tensor, b: Tensor, eps: float) -> Tuple[Tensor, Tensor, Tensor]:
    y, mean, rstd = torch.native_layer_norm(x, normalized_shape, w, b, eps)
    return y, mean, rstd
  def layer_norm_backward(self: __torch__.ActnnOps, grad: Tensor, x: Tensor, normalized_shape: List[int], mean: Tensor, rstd: Tensor, w: Tensor, b: Tensor, mask: List[bool]) -> Tuple[Tensor, Tensor, Tensor]:
    gx, gw, gb = torch.native_layer_norm_backward(grad, x, normalized_shape, mean, rstd, w, b, mask)
    if not mask[0]:
      gx = torch.empty([0])
    if not mask[1]:
      gw = torch.empty([0])
    if not mask[2]:
      gb = torch.empty([0])
    return gx, gw, gb
  def softmax_backward(self: __torch__.ActnnOps, grad: Tensor, y: Tensor, dim: int) -> Tensor:
    return torch._softmax_backward_data(grad, y, dim, y.dtype)
  def gelu_backward(self: __torch__.ActnnOps, grad: Tensor, x: Tensor) -> Tensor:
    return torch.gelu_backward(grad, x)
  def silu_backward(self: __torch__.ActnnOps, grad: Tensor, x: Tensor, beta: float) -> Tensor:
    if beta == 1.0:
      return torch.silu_backward(grad, x)
    return torch.silu_backward(grad, x * beta)
  def tanh_backward(self: __torch__.ActnnOps, grad: Tensor, y: Tensor) -> Tensor:
    return torch.tanh_backward(grad, y)
  def sigmoid_backward(self: __torch__.ActnnOps, grad: Tensor, y: Tensor) -> Tensor:
    return torch.sigmoid_backward(grad, y)
  def embedding_backward(self: __torch__.ActnnOps, grad: Tensor, indices: Tensor, num_weights: int) -> Tensor:
    idx = indices.reshape([-1]).to(dtype=4)
    g = grad.reshape([idx.size(0), -1])
    return torch.embedding_dense_backward(g, idx, num_weights, -1, False)
  def code_pack(self: __torch__.ActnnOps, x: Tensor, boundaries: Tensor, scale: float, bits: int) -> Tensor:
    u = x
    if scale != 1.0:
      u = x * scale
    codes = torch.bucketize(u, boundaries.to(dtype=x.dtype, device=x.device), out_int32=True).reshape([-1])
    per = 8 // bits
    pad = (per - codes.numel() % per) % per
    if pad > 0:
      codes = torch.cat([codes, torch.zeros([pad], dtype=3, device=x.device)])
    shifts = torch.arange(per, dtype=3, device=x.device) * bits
    packed = torch.bitwise_left_shift(codes.view([-1, per]), shifts).sum(1)
    return packed.to(dtype=0)
  def code_apply(self: __torch__.ActnnOps, grad: Tensor, packed: Tensor, values: Tensor, bits: int) -> Tensor:
    per = 8 // bits
    shifts = torch.arange(per, dtype=3, device=grad.device) * bits
    codes = torch.bitwise_and(torch.bitwise_right_shift(packed.to(dtype=3).unsqueeze(1), shifts), (1 << bits) - 1)
    codes = codes.reshape([-1]).narrow(0, 0, grad.numel())
    d = torch.index_select(values.to(dtype=grad.dtype, device=grad.device), 0, codes).view(grad.shape)
    return grad * d
  def bn_backward_reduce(self: __torch__.ActnnOps, grad: Tensor, x: Tensor, mean: Tensor, with_input_sum: bool) -> Tuple[Tensor, Tensor, Tensor]:
    ones = torch.ones_like(mean)
    unused, sum_dy_xmu, sum_dy = torch.native_batch_norm_backward(grad, x, None, None, None, mean, ones, True, 0.0, [False, True, True])
    if with_input_sum:
      return sum_dy, sum_dy_xmu, x.sum([0] + [d for d in range(2, x.dim())])
    return sum_dy, sum_dy_xmu, torch.empty([0], dtype=x.dtype, device=x.device)
  def bn_backward_elemt_into(self: __torch__.ActnnOps, dst: Tensor, grad: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, gamma: Tensor, sum_dy: Tensor, sum_dy_xmu: Tensor, count: float) -> Tensor:
    shape = [1, -1] + [1] * (x.dim() - 2)
    w = gamma * invstd
    k = sum_dy_xmu / count * invstd * invstd
    a = -(w * k)
    b = w * (k * mean - sum_dy / count)
    torch.addcmul(b.view(shape), x, a.view(shape), value=1, out=dst)
    return dst.addcmul_(grad, w.view(shape))
  def relu_inplace(self: __torch__.ActnnOps, x: Tensor) -> Tensor:
    return torch.relu_(x)
  def max_pool1d_offsets(self: __torch__.ActnnOps, x: Tensor, k: List[int], s: List[int], p: List[int], ceil: bool) -> Tuple[Tensor, Tensor]:
    y, idx = torch.max_pool1d_with_indices(x, k, s, p, [1], ceil)
    o = torch.arange(y.size(-1), device=x.device) * s[0] - p[0]
    off = idx - o
    return y, off.to(dtype=0)
  def max_pool1d_offsets_backward(self: __torch__.ActnnOps, grad: Tensor, off: Tensor, L: int, k: List[int], s: List[int], p: List[int]) -> Tensor:
    o = torch.arange(grad.size(-1), device=grad.device) * s[0] - p[0]
    idx = off.to(dtype=4) + o
    lead = grad.shape[:-1]
    g2 = grad.reshape([-1, grad.size(-1)])
    gx = torch.zeros([g2.size(0), L], dtype=grad.dtype, device=grad.device)
    gx.scatter_add_(1, idx.reshape([g2.size(0), -1]), g2)
    return gx.view(lead + [L])
  def max_pool3d_offsets(self: __torch__.ActnnOps, x: Tensor, k: List[int], s: List[int], p: List[int], ceil: bool) -> Tuple[Tensor, Tensor]:
    y, idx = torch.max_pool3d_with_indices(x, k, s, p, [1, 1, 1], ceil)
    H = x.size(-2)
    W = x.size(-1)
    od = (torch.arange(y.size(-3), device=x.device) * s[0] - p[0]).view(-1, 1, 1)
    oh = (torch.arange(y.size(-2), device=x.device) * s[1] - p[1]).view(1, -1, 1)
    ow = (torch.arange(y.size(-1), device=x.device) * s[2] - p[2]).view(1, 1, -1)
    i_d = torch.div(idx, H * W, rounding_mode='floor')
    rest = idx - i_d * (H * W)
    ih = torch.div(rest, W, rounding_mode='floor')
    iw = rest - ih * W
    off = ((i_d - od) * k[1] + (ih - oh)) * k[2] + (iw - ow)
    return y, off.to(dtype=0)
  def max_pool3d_offsets_backward(self: __torch__.ActnnOps, grad: Tensor, off: Tensor, D: int, H: int, W: int, k: List[int], s: List[int], p: List[int]) -> Tensor:
    o = off.to(dtype=4)
    kd = torch.div(o, k[1] * k[2], rounding_mode='floor')
    r = o - kd * (k[1] * k[2])
    kh = torch.div(r, k[2], rounding_mode='floor')
    kw = r - kh * k[2]
    od = (torch.arange(grad.size(-3), device=grad.device) * s[0] - p[0]).view(-1, 1, 1)
    oh = (torch.arange(grad.size(-2), device=grad.device) * s[1] - p[1]).view(1, -1, 1)
    ow = (torch.arange(grad.size(-1), device=grad.device) * s[2] - p[2]).view(1, 1, -1)
    idx = ((od + kd) * H + (oh + kh)) * W + (ow + kw)
    lead = grad.shape[:-3]
    g2 = grad.reshape([-1, grad.size(-3) * grad.size(-2) * grad.size(-1)])
    gx = torch.zeros([g2.size(0), D * H * W], dtype=grad.dtype, device=grad.device)
    gx.scatter_add_(1, idx.reshape([g2.size(0), -1]), g2)
    return gx.view(lead + [D, H, W])
  def global_max_pool(self: __torch__.ActnnOps, x: Tensor) -> Tuple[Tensor, Tensor]:
    n = x.dim() - 2
    if n == 1:
      y, idx = torch.adaptive_max_pool1d(x, [1])
    elif n == 2:
      y, idx = torch.adaptive_max_pool2d(x, [1, 1])
    else:
      y, idx = torch.adaptive_max_pool3d(x, [1, 1, 1])
    return y.reshape([x.size(0), x.size(1)]), idx.reshape([x.size(0), x.size(1)]).to(dtype=3)
  def global_max_pool_backward(self: __torch__.ActnnOps, grad: Tensor, idx: Tensor, shape: List[int]) -> Tensor:
    rows = shape[0] * shape[1]
    spatial = 1
    for d in shape[2:]:
      spatial = spatial * d
    gx = torch.zeros([rows, spatial], dtype=grad.dtype, device=grad.device)
    gx.scatter_(1, idx.to(dtype=4).reshape([rows, 1]), grad.reshape([rows, 1]))
    return gx.view(shape)
  def avg_pool1d_backward(self: __torch__.ActnnOps, grad: Tensor, shape: List[int], k: List[int], s: List[int], p: List[int], ceil: bool, count_include_pad: bool) -> Tensor:
    x = torch.empty(shape[:-1] + [1, shape[-1]], dtype=grad.dtype, device=grad.device)
    gx = torch.avg_pool2d_backward(grad.unsqueeze(-2), x, [1, k[0]], [1, s[0]], [0, p[0]], ceil, count_include_pad, None)
    return gx.squeeze(-2)
  def avg_pool3d_backward(self: __torch__.ActnnOps, grad: Tensor, shape: List[int], k: List[int], s: List[int], p: List[int], ceil: bool, count_include_pad: bool) -> Tensor:
    x = torch.empty(shape, dtype=grad.dtype, device=grad.device)
    return torch.avg_pool3d_backward(grad, x, k, s, p, ceil, count_include_pad, None)
  def elu_backward(self: __torch__.ActnnOps, grad: Tensor, x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    return torch.elu_backward(grad, alpha, scale, input_scale, False, x)
  def elu_backward_from_output(self: __torch__.ActnnOps, grad: Tensor, y: Tensor, positive: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    yc = torch.where(positive > 0, torch.ones_like(y), torch.clamp(y, -alpha * scale, 0.0))
    return torch.elu_backward(grad, alpha, scale, input_scale, True, yc)
  def avg_pool1d(self: __torch__.ActnnOps, x: Tensor, k: List[int], s: List[int], p: List[int], ceil: bool, count_include_pad: bool) -> Tensor:
    return torch.avg_pool1d(x, k, s, p, ceil, count_include_pad)
  def avg_pool3d(self: __torch__.ActnnOps, x: Tensor, k: List[int], s: List[int], p: List[int], ceil: bool, count_include_pad: bool) -> Tensor:
    return torch.avg_pool3d(x, k, s, p, ceil, count_include_pad, None)
  def log_softmax_backward(self: __torch__.ActnnOps, grad: Tensor, y: Tensor, dim: int) -> Tensor:
    return torch._log_softmax_backward_data(grad, y, dim, y.dtype)
